package io.outboxrelay.consumers.payment;

import static io.outboxrelay.consumers.testsupport.TestEvents.inPartition;
import static io.outboxrelay.consumers.testsupport.TestEvents.orderCancelled;
import static io.outboxrelay.consumers.testsupport.TestEvents.orderPlaced;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outboxrelay.consumers.runtime.DataSources;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.consumers.testsupport.ConsumerFixture;

/**
 * The payment processor on the consumer runtime and its charger, against real PostgreSQL and Kafka. Unless a
 * test says otherwise, payments never settle (the charger's clock is fixed, the settlement delay long), so
 * what is reserved is what is pending or charged.
 */
class PaymentProcessorIntegrationTests {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(T0.plusSeconds(5), ZoneOffset.UTC);
    private static final UUID ALICE = UUID.fromString("00000000-0000-4000-8000-00000000000a");
    private static final UUID BOB = UUID.fromString("00000000-0000-4000-8000-00000000000b");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConsumerFixture fixture;
    private String orders;
    private final List<EventConsumer> consumers = new ArrayList<>();
    private final List<ConsumerFixture> otherFixtures = new ArrayList<>();
    private final List<PaymentCharger> chargers = new ArrayList<>();
    private final List<HikariDataSource> chargerPools = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        fixture = new ConsumerFixture();
        orders = fixture.name("outbox.Order");
        fixture.createTopics(3, orders);
        PaymentProcessor.migrate(fixture.dataSource());
    }

    @AfterEach
    void tearDown() {
        consumers.forEach(EventConsumer::close);
        chargers.forEach(PaymentCharger::close);
        chargerPools.forEach(HikariDataSource::close);
        otherFixtures.forEach(ConsumerFixture::close);
        fixture.close();
    }

    @Test
    void chargesEachOrderAtMostOnceEvenWhenOrderPlacedIsRedelivered() throws Exception {
        credit(ALICE, "1000.00");
        credit(BOB, "1000.00");
        List<ProducerRecord<byte[], byte[]>> events = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> sameOrdersNewEventIds = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            UUID customer = i % 2 == 0 ? ALICE : BOB;
            events.add(orderPlaced(orders, uuid(i), customer, i + "0.00", 1, T0));
            sameOrdersNewEventIds.add(orderPlaced(orders, UUID.randomUUID(), uuid(i), customer, 1, i + "0.00", 1, T0));
        }
        SimulatedGateway gateway = new SimulatedGateway(0.0, Duration.ZERO, 7);
        fixture.produce(events);
        String group = fixture.name("payments");
        start(group, gateway);
        awaitResolved(group);

        fixture.produce(events); // redelivered: same event ids
        fixture.produce(sameOrdersNewEventIds); // replayed or re-emitted: same orders, new event ids
        awaitResolved(group);

        assertThat(fixture.rows("SELECT order_id, status, amount, idempotency_key, attempt_count FROM payment.payment"
                + " ORDER BY order_id")).containsExactly(
                List.of(uuid(1), "COMPLETED", "10.00", "order-" + uuid(1), 1),
                List.of(uuid(2), "COMPLETED", "20.00", "order-" + uuid(2), 1),
                List.of(uuid(3), "COMPLETED", "30.00", "order-" + uuid(3), 1),
                List.of(uuid(4), "COMPLETED", "40.00", "order-" + uuid(4), 1),
                List.of(uuid(5), "COMPLETED", "50.00", "order-" + uuid(5), 1),
                List.of(uuid(6), "COMPLETED", "60.00", "order-" + uuid(6), 1));
        for (int i = 1; i <= 6; i++) {
            assertThat(gateway.chargeCount(PaymentProcessor.idempotencyKey(uuid(i)))).isEqualTo(1);
        }
        // nobody asked again: the payment row stopped the replay before the charger
        assertThat(gateway.requestCount()).isEqualTo(6);
        assertThat(fixture.rows("SELECT event_type, aggregate_type, count(*) FROM outbox.event GROUP BY 1, 2"))
                .containsExactly(List.of("PaymentCompleted", "Payment", 6L));
        assertThat(fixture.count("SELECT count(DISTINCT aggregate_id) FROM outbox.event")).isEqualTo(6);
        assertThat(fixture.rows("SELECT customer_id, credit_limit, reserved FROM payment.credit ORDER BY customer_id"))
                .containsExactly(List.of(ALICE, "1000.00", "120.00"), List.of(BOB, "1000.00", "90.00"));
        assertThat(fixture.count("SELECT count(*) FROM payment.processed_event")).isEqualTo(12);

        Map<?, ?> payload = payload("PaymentCompleted", uuid(2));
        assertThat(payload).isEqualTo(Map.of("orderId", uuid(2).toString(), "customerId", ALICE.toString(), "version", 1,
                "amount", "20.00", "currency", "EUR", "paymentId", "order-" + uuid(2), "idempotencyKey", "order-" + uuid(2),
                "completedAt", "2026-11-27T10:00:05.000Z"));
    }

    @Test
    void rejectsOrderThatWouldExceedCreditLimitAndNeverOverReserves() throws Exception {
        credit(ALICE, "100.00");
        // in one partition, so the order of the decisions is known
        String[] totals = {"40.00", "40.00", "40.00", "20.00", "30.01"};
        List<ProducerRecord<byte[], byte[]>> aliceOrders = new ArrayList<>();
        for (int i = 0; i < totals.length; i++) {
            aliceOrders.add(inPartition(orderPlaced(orders, uuid(i + 1), ALICE, totals[i], 1, T0), 0));
        }
        // Bob's orders spread over every partition and two consumers: concurrent reservations on one row
        credit(BOB, "155.00");
        List<ProducerRecord<byte[], byte[]>> bobOrders = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            bobOrders.add(orderPlaced(orders, uuid(100 + i), BOB, "10.00", 1, T0));
        }
        fixture.produce(aliceOrders);
        String group = fixture.name("payments");
        SimulatedGateway gateway = new SimulatedGateway(0.0, Duration.ofMillis(5), 7);
        start(group, gateway);
        start(group, gateway);
        fixture.produce(bobOrders);
        awaitResolved(group);

        assertThat(fixture.rows("SELECT amount, status, attempt_count, reason FROM payment.payment WHERE customer_id = '"
                + ALICE + "' ORDER BY order_id")).containsExactly(
                java.util.Arrays.asList("40.00", "COMPLETED", 1, null),
                java.util.Arrays.asList("40.00", "COMPLETED", 1, null),
                List.of("40.00", "REJECTED", 0, "credit limit exceeded: limit 100.00, reserved 80.00, order total 40.00"),
                java.util.Arrays.asList("20.00", "COMPLETED", 1, null),
                List.of("30.01", "REJECTED", 0, "credit limit exceeded: limit 100.00, reserved 100.00, order total 30.01"));
        assertThat(fixture.rows("SELECT status, count(*) FROM payment.payment WHERE customer_id = '" + BOB
                + "' GROUP BY status ORDER BY status")).containsExactly(List.of("COMPLETED", 15L), List.of("REJECTED", 15L));
        assertThat(fixture.rows("SELECT customer_id, credit_limit, reserved FROM payment.credit ORDER BY customer_id"))
                .containsExactly(List.of(ALICE, "100.00", "100.00"), List.of(BOB, "155.00", "150.00"));
        // rejected orders were never sent to the gateway
        assertThat(gateway.requestCount()).isEqualTo(3 + 15);
        assertThat(gateway.chargeCount(PaymentProcessor.idempotencyKey(uuid(3)))).isZero();
        assertThat(fixture.rows("SELECT event_type, count(*) FROM outbox.event GROUP BY 1 ORDER BY 1"))
                .containsExactly(List.of("CreditRejected", 17L), List.of("PaymentCompleted", 18L));
        assertThat(payload("CreditRejected", uuid(3))).isEqualTo(Map.of("orderId", uuid(3).toString(),
                "customerId", ALICE.toString(), "version", 1, "amount", "40.00", "currency", "EUR",
                "creditLimit", "100.00", "reserved", "80.00",
                "reason", "credit limit exceeded: limit 100.00, reserved 80.00, order total 40.00",
                "rejectedAt", "2026-11-27T10:00:05.000Z"));

        // and the table itself refuses to over-reserve, whatever writes to it
        assertThatThrownBy(() -> execute("UPDATE payment.credit SET reserved = credit_limit + 0.01 WHERE customer_id = '"
                + BOB + "'"))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23514"))
                .hasMessageContaining("credit_reserved_within_limit");
    }

    @Test
    void failedChargeReleasesCreditAndEmitsPaymentFailedInSameTransaction() throws Exception {
        credit(ALICE, "100.00");
        SimulatedGateway gateway = new SimulatedGateway(1.0, Duration.ZERO, 7);
        String group = fixture.name("payments");
        start(group, gateway);
        fixture.produce(List.of(inPartition(orderPlaced(orders, uuid(1), ALICE, "60.00", 1, T0), 0)));
        awaitResolved(group);
        // fits only because the first order's reservation was released when its charge failed (while it was
        // PENDING it held the credit, so the second order is sent only after the first was declined)
        fixture.produce(List.of(inPartition(orderPlaced(orders, uuid(2), ALICE, "60.00", 1, T0), 0)));
        awaitResolved(group);

        assertThat(fixture.rows("SELECT order_id, status, attempt_count, reason FROM payment.payment ORDER BY order_id"))
                .containsExactly(
                        List.of(uuid(1), "FAILED", 1, "card declined (simulated)"),
                        List.of(uuid(2), "FAILED", 1, "card declined (simulated)"));
        assertThat(fixture.rows("SELECT reserved FROM payment.credit")).containsExactly(List.of("0.00"));
        assertThat(gateway.chargeCount(PaymentProcessor.idempotencyKey(uuid(1)))).isEqualTo(1);
        assertThat(payload("PaymentFailed", uuid(1))).isEqualTo(Map.of("orderId", uuid(1).toString(),
                "customerId", ALICE.toString(), "version", 1, "amount", "60.00", "currency", "EUR",
                "paymentId", "order-" + uuid(1), "idempotencyKey", "order-" + uuid(1),
                "reason", "card declined (simulated)", "failedAt", "2026-11-27T10:00:05.000Z"));
        // xmin is the id of the transaction that wrote the row version: one id for the payment row,
        // its outbox event and (for the last order) the released credit row means one transaction
        assertThat(fixture.rows("SELECT p.xmin::text = e.xmin::text FROM payment.payment p"
                + " JOIN outbox.event e ON e.aggregate_id = p.order_id::text")).containsExactly(List.of(true), List.of(true));
        assertThat(fixture.rows("SELECT c.xmin::text = p.xmin::text FROM payment.credit c, payment.payment p"
                + " WHERE p.order_id = '" + uuid(2) + "'")).containsExactly(List.of(true));
    }

    @Test
    void gatewayOutageLeavesPaymentsPendingAndResolvesThemWhenItReturnsWithoutChargingTwice() throws Exception {
        credit(ALICE, "1000.00");
        SimulatedGateway gateway = new SimulatedGateway(0.2, Duration.ZERO, 7);
        gateway.setAvailable(false);
        String group = fixture.name("payments");
        start(group, gateway);
        List<ProducerRecord<byte[], byte[]>> placed = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            placed.add(orderPlaced(orders, uuid(i), ALICE, "10.00", 1, T0));
        }
        fixture.produce(placed);
        fixture.awaitCaughtUp(group, List.of(orders)); // the consumer keeps consuming during the outage
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.count(
                "SELECT count(*) FROM payment.payment WHERE attempt_count >= 2") == 10);

        assertThat(fixture.rows("SELECT status, count(*) FROM payment.payment GROUP BY 1")).containsExactly(List.of("PENDING", 10L));
        assertThat(fixture.rows("SELECT reserved FROM payment.credit")).containsExactly(List.of("100.00"));
        assertThat(fixture.count("SELECT count(*) FROM outbox.event")).isZero();
        assertThat(gateway.chargedKeys()).isZero();
        assertThat(gateway.refusedCount()).isGreaterThanOrEqualTo(20);

        gateway.setAvailable(true);
        awaitResolved(group);

        for (int i = 1; i <= 10; i++) {
            assertThat(gateway.chargeCount(PaymentProcessor.idempotencyKey(uuid(i)))).isEqualTo(1);
        }
        assertThat(gateway.requestCount()).as("answered requests: one per key").isEqualTo(10);
        long completed = fixture.count("SELECT count(*) FROM payment.payment WHERE status = 'COMPLETED'");
        assertThat(completed + fixture.count("SELECT count(*) FROM payment.payment WHERE status = 'FAILED'")).isEqualTo(10);
        assertThat(completed).isBetween(1L, 9L);
        assertThat(fixture.rows("SELECT reserved FROM payment.credit"))
                .containsExactly(List.of(new BigDecimal("10.00").multiply(BigDecimal.valueOf(completed)).toPlainString()));
        assertThat(fixture.count("SELECT count(*) FROM outbox.event")).isEqualTo(10);
        assertThat(fixture.count("SELECT count(DISTINCT aggregate_id) FROM outbox.event")).isEqualTo(10);
    }

    @Test
    void paymentLeftPendingByACrashIsResolvedOnRestartWithoutASecondCharge() throws Exception {
        credit(ALICE, "1000.00");
        SimulatedGateway gateway = new SimulatedGateway(0.0, Duration.ZERO, 7);
        String group = fixture.name("payments");
        startConsumer(group); // no charger yet: the payments stay PENDING
        fixture.produce(List.of(orderPlaced(orders, uuid(1), ALICE, "10.00", 1, T0),
                orderPlaced(orders, uuid(2), ALICE, "20.00", 1, T0)));
        fixture.awaitCaughtUp(group, List.of(orders));
        assertThat(fixture.rows("SELECT status, count(*) FROM payment.payment GROUP BY 1")).containsExactly(List.of("PENDING", 2L));
        // a charger took order 1 (its lease runs for an hour), charged it and died before recording the answer
        execute("UPDATE payment.payment SET attempt_count = 1, next_attempt_at = now() + interval '1 hour'"
                + " WHERE order_id = '" + uuid(1) + "'");
        gateway.charge(PaymentProcessor.idempotencyKey(uuid(1)), uuid(1), ALICE, new BigDecimal("10.00"));

        startCharger(gateway, Duration.ofDays(3650)); // the restart: its first round ignores the dead charger's lease
        awaitResolved(group);

        assertThat(fixture.rows("SELECT order_id, status, attempt_count FROM payment.payment ORDER BY order_id"))
                .containsExactly(List.of(uuid(1), "COMPLETED", 2), List.of(uuid(2), "COMPLETED", 1));
        assertThat(gateway.chargeCount(PaymentProcessor.idempotencyKey(uuid(1)))).isEqualTo(1);
        assertThat(gateway.chargedKeys()).isEqualTo(2);
        assertThat(gateway.requestCount()).as("order 1 asked twice, charged once").isEqualTo(3);
        assertThat(fixture.rows("SELECT reserved FROM payment.credit")).containsExactly(List.of("30.00"));
        assertThat(fixture.rows("SELECT event_type, count(*) FROM outbox.event GROUP BY 1"))
                .containsExactly(List.of("PaymentCompleted", 2L));
    }

    @Test
    void settlementReleasesTheCreditOfCompletedPaymentsOnceWithPaymentSettled() throws Exception {
        credit(ALICE, "100.00");
        SimulatedGateway gateway = new SimulatedGateway(0.0, Duration.ZERO, 7);
        String group = fixture.name("payments");
        startConsumer(group);
        startCharger(gateway, Duration.ZERO); // the customer pays at once
        List<ProducerRecord<byte[], byte[]>> placed = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            placed.add(inPartition(orderPlaced(orders, uuid(i), ALICE, "30.00", 1, T0), 0));
        }
        fixture.produce(placed);
        awaitSettled(group, 3);
        // 90 of 100 was reserved; this order fits only because the three settled
        fixture.produce(List.of(inPartition(orderPlaced(orders, uuid(4), ALICE, "90.00", 1, T0), 0)));
        awaitSettled(group, 4);

        assertThat(fixture.rows("SELECT status, count(*) FROM payment.payment GROUP BY 1")).containsExactly(List.of("COMPLETED", 4L));
        assertThat(fixture.rows("SELECT reserved FROM payment.credit")).containsExactly(List.of("0.00"));
        assertThat(fixture.rows("SELECT event_type, count(*) FROM outbox.event GROUP BY 1 ORDER BY 1"))
                .containsExactly(List.of("PaymentCompleted", 4L), List.of("PaymentSettled", 4L));
        assertThat(payload("PaymentSettled", uuid(4))).isEqualTo(Map.of("orderId", uuid(4).toString(),
                "customerId", ALICE.toString(), "version", 2, "amount", "90.00", "currency", "EUR",
                "paymentId", "order-" + uuid(4), "settledAt", "2026-11-27T10:00:05.000Z"));
    }

    @Test
    void cancellingAPaidOrderRefundsItOnceThroughTheGatewayAndReleasesTheCredit() throws Exception {
        credit(ALICE, "100.00");
        SimulatedGateway gateway = new SimulatedGateway(0.0, Duration.ZERO, 7);
        String group = fixture.name("payments");
        start(group, gateway);
        fixture.produce(List.of(inPartition(orderPlaced(orders, uuid(1), ALICE, "40.00", 1, T0), 0),
                inPartition(orderPlaced(orders, uuid(2), ALICE, "50.00", 1, T0), 0)));
        awaitResolved(group);
        ProducerRecord<byte[], byte[]> cancel = inPartition(orderCancelled(orders, uuid(1), ALICE, "customer asked", T0), 0);
        fixture.produce(List.of(cancel, cancel, // redelivered
                inPartition(orderCancelled(orders, uuid(1), ALICE, "customer asked", T0), 0))); // re-emitted
        fixture.awaitCaughtUp(group, List.of(orders));
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.count(
                "SELECT count(*) FROM payment.payment WHERE refunded_at IS NOT NULL") == 1);
        Thread.sleep(500); // a second refund, if any, would come now

        assertThat(gateway.refundCount(PaymentProcessor.refundKey(uuid(1)))).isEqualTo(1);
        assertThat(gateway.refundRequestCount()).isEqualTo(1);
        assertThat(fixture.rows("SELECT order_id, status, refunded_at IS NOT NULL FROM payment.payment ORDER BY order_id"))
                .containsExactly(List.of(uuid(1), "COMPLETED", true), List.of(uuid(2), "COMPLETED", false));
        assertThat(fixture.rows("SELECT reserved FROM payment.credit")).containsExactly(List.of("50.00"));
        assertThat(fixture.rows("SELECT event_type, count(*) FROM outbox.event GROUP BY 1 ORDER BY 1"))
                .containsExactly(List.of("PaymentCompleted", 2L), List.of("PaymentRefunded", 1L));
        assertThat(payload("PaymentRefunded", uuid(1))).isEqualTo(Map.of("orderId", uuid(1).toString(),
                "customerId", ALICE.toString(), "version", 2, "amount", "40.00", "currency", "EUR",
                "paymentId", "order-" + uuid(1), "refundIdempotencyKey", "refund-order-" + uuid(1),
                "refundedAt", "2026-11-27T10:00:05.000Z"));
    }

    @Test
    void importsCreditLimitsFromLegacyCustomersAndKeepsReservations() throws Exception {
        ConsumerFixture legacy = new ConsumerFixture();
        otherFixtures.add(legacy);
        // the order system's table as importCredit reads it (the payments service shares its database, not its code)
        UUID first = uuid(101);
        Map<UUID, String> limits = Map.of(first, "250.00", uuid(102), "1000.00", uuid(103), "0.00");
        try (var c = legacy.autoCommitDataSource().getConnection(); var st = c.createStatement()) {
            st.execute("CREATE SCHEMA legacy");
            st.execute("CREATE TABLE legacy.customers (id uuid PRIMARY KEY, name text NOT NULL, credit_limit numeric(12,2) NOT NULL)");
            for (Map.Entry<UUID, String> e : limits.entrySet()) {
                st.execute("INSERT INTO legacy.customers VALUES ('" + e.getKey() + "', 'c', " + e.getValue() + ")");
            }
        }
        credit(first, "250.00");
        execute("UPDATE payment.credit SET reserved = 10.00");

        assertThat(PaymentProcessor.importCredit(legacy.dataSource(), fixture.dataSource())).isEqualTo(3);
        assertThat(PaymentProcessor.importCredit(legacy.dataSource(), fixture.dataSource())).isEqualTo(3);

        assertThat(fixture.rows("SELECT customer_id, credit_limit, reserved FROM payment.credit"))
                .containsExactlyInAnyOrderElementsOf(limits.entrySet().stream()
                        .map(e -> List.<Object>of(e.getKey(), e.getValue(), e.getKey().equals(first) ? "10.00" : "0.00"))
                        .toList());
    }

    /** A payment consumer, and a charger (one for the test) that never settles. */
    private EventConsumer start(String group, PaymentGateway gateway) {
        if (chargers.isEmpty()) {
            startCharger(gateway, Duration.ofDays(3650));
        }
        return startConsumer(group);
    }

    private EventConsumer startConsumer(String group) {
        EventConsumer consumer = new EventConsumer(fixture.settings(group, PaymentProcessor.SCHEMA, List.of(orders)).build(),
                fixture.dataSource(), new PaymentProcessor(CLOCK, Duration.ofSeconds(2)), new SimpleMeterRegistry());
        consumers.add(consumer);
        return consumer.start();
    }

    private PaymentCharger startCharger(PaymentGateway gateway, Duration settleAfter) {
        HikariDataSource dataSource = fixture.dataSource();
        HikariDataSource pool = DataSources.pooled(dataSource.getJdbcUrl(), dataSource.getUsername(), dataSource.getPassword(),
                fixture.name("charger"));
        chargerPools.add(pool);
        PaymentCharger charger = new PaymentCharger(pool, gateway, PaymentCharger.Settings.defaults()
                .withSettleAfter(settleAfter).withBackoff(Duration.ofMillis(50), Duration.ofMillis(200)), CLOCK);
        chargers.add(charger);
        return charger.start();
    }

    /** The consumer has read everything and the charger has recorded an outcome for every payment. */
    private void awaitResolved(String group) {
        fixture.awaitCaughtUp(group, List.of(orders));
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.count(
                "SELECT count(*) FROM payment.payment WHERE status = 'PENDING'") == 0);
    }

    private void awaitSettled(String group, int settled) {
        awaitResolved(group);
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.count(
                "SELECT count(*) FROM payment.payment WHERE settled_at IS NOT NULL") == settled);
    }

    private void credit(UUID customer, String limit) throws SQLException {
        try (Connection c = fixture.dataSource().getConnection()) {
            CreditAccounts.upsert(c, customer, new BigDecimal(limit));
            c.commit();
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = fixture.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            try {
                ps.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private Map<?, ?> payload(String eventType, UUID orderId) throws Exception {
        List<List<Object>> rows = fixture.rows("SELECT payload::text FROM outbox.event WHERE event_type = '" + eventType
                + "' AND aggregate_type = 'Payment' AND aggregate_id = '" + orderId + "'");
        assertThat(rows).hasSize(1);
        return JSON.readValue((String) rows.get(0).get(0), Map.class);
    }

    private static UUID uuid(int n) {
        return UUID.fromString(String.format("00000000-0000-4000-8000-%012d", n));
    }
}
