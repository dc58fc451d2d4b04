package io.outboxrelay.consumers.payment;

import static io.outboxrelay.consumers.testsupport.TestEvents.orderPlaced;
import static org.assertj.core.api.Assertions.assertThat;
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
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outboxrelay.consumers.runtime.DataSources;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.consumers.testsupport.ConsumerFixture;

/**
 * How the payment charger meets database errors, against real PostgreSQL and Kafka: a transient one is retried
 * until it passes, without charging anyone twice; a permanent one stops it with an error that says what to fix.
 * The charger logs in as its own role (as in production, where it needs only a few privileges), so a test can
 * take a privilege away or terminate its connections without touching the consumer's.
 */
class PaymentChargerIntegrationTests {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(T0.plusSeconds(5), ZoneOffset.UTC);
    private static final UUID ALICE = UUID.fromString("00000000-0000-4000-8000-00000000000a");
    private static final String PASSWORD = "charger-secret";

    private ConsumerFixture fixture;
    private String orders;
    private String role;
    private EventConsumer consumer;
    private PaymentCharger charger;
    private HikariDataSource chargerPool;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new ConsumerFixture();
        orders = fixture.name("outbox.Order");
        fixture.createTopics(3, orders);
        PaymentProcessor.migrate(fixture.dataSource());
        role = fixture.name("charger").replaceAll("[^a-z0-9]", "_");
        // what a charger needs, and no more
        execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + PASSWORD + "'");
        execute("GRANT USAGE ON SCHEMA payment, outbox TO " + role);
        execute("GRANT SELECT, UPDATE ON payment.payment, payment.credit TO " + role);
        execute("GRANT INSERT ON outbox.event TO " + role);
        try (Connection c = fixture.dataSource().getConnection()) {
            CreditAccounts.upsert(c, ALICE, new BigDecimal("100000.00"));
            c.commit();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        if (consumer != null) {
            consumer.close();
        }
        if (charger != null) {
            charger.close();
        }
        if (chargerPool != null) {
            chargerPool.close();
        }
        execute("DROP OWNED BY " + role);
        execute("DROP ROLE " + role);
        fixture.close();
    }

    @Test
    void stopsWithAnErrorNamingTheMissingPrivilegeWhenItsRoleLosesItAndLeavesPaymentsPending() throws Exception {
        startConsumer();
        startCharger(new SimulatedGateway(0.0, Duration.ZERO, 7), role, PASSWORD);
        fixture.produce(placed(1, 5));
        awaitNonePending();

        execute("REVOKE UPDATE ON payment.payment FROM " + role);
        fixture.produce(placed(6, 10));

        assertThat(charger.stopped()).failsWithin(Duration.ofSeconds(10))
                .withThrowableThat().havingCause()
                .isInstanceOf(PaymentChargerFailedException.class)
                .withMessageContaining("permission denied for table payment")
                .withMessageContaining("(SQLState 42501)")
                .withMessageContaining("grant the charger's database user SELECT and UPDATE on payment.payment");
        // the consumer goes on: the new orders wait, PENDING with their credit reserved, for a charger that can work
        fixture.awaitCaughtUp(fixture.name("payments"), List.of(orders));
        assertThat(fixture.rows("SELECT status, count(*) FROM payment.payment GROUP BY 1 ORDER BY 1"))
                .containsExactly(List.of("COMPLETED", 5L), List.of("PENDING", 5L));
        assertThat(consumer.state()).isEqualTo(EventConsumer.State.RUNNING);
    }

    @Test
    void stopsWithAnErrorSayingToMigrateWhenTheSchemaLacksAColumnItNeeds() throws Exception {
        startConsumer();
        startCharger(new SimulatedGateway(0.0, Duration.ZERO, 7), role, PASSWORD);
        fixture.produce(placed(1, 3));
        awaitNonePending();

        execute("ALTER TABLE payment.payment RENAME COLUMN next_attempt_at TO retry_at");

        assertThat(charger.stopped()).failsWithin(Duration.ofSeconds(10))
                .withThrowableThat().havingCause()
                .isInstanceOfSatisfying(PaymentChargerFailedException.class,
                        e -> assertThat(e.sqlState()).isEqualTo("42703"))
                .withMessageContaining("column \"next_attempt_at\" does not exist")
                .withMessageContaining("run the payments migrations")
                .withMessageNotContaining("\n");
    }

    @Test
    void survivesItsConnectionsBeingTerminatedAndChargesEveryPaymentExactlyOnce() throws Exception {
        int payments = 400;
        startConsumer();
        // 160 ms per request, 16 in flight: the charging lasts about 4 s, long enough to be interrupted six times 400 ms
        // apart (with 10 ms it was over in 1.5 s on a fast run and CI saw two outages)
        SimulatedGateway gateway = new SimulatedGateway(0.0, Duration.ofMillis(160), 7);
        startCharger(gateway, role, PASSWORD);
        fixture.produce(placed(1, payments));

        // six times, 400 ms apart, every connection of the charger's pool, whatever it is doing then
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong terminated = new AtomicLong();
        AtomicInteger outages = new AtomicInteger();
        CompletableFuture<Void> terminator = CompletableFuture.runAsync(() -> {
            while (!done.get() && outages.get() < 6) {
                try {
                    long n = fixture.count("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
                            + " FROM pg_stat_activity WHERE usename = '" + role + "'");
                    if (n > 0) {
                        terminated.addAndGet(n);
                        outages.incrementAndGet();
                    }
                    TimeUnit.MILLISECONDS.sleep(400);
                } catch (SQLException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> fixture.count("SELECT count(*) FROM payment.payment"
                    + " WHERE status = 'COMPLETED'") == payments);
        } finally {
            done.set(true);
            terminator.get(10, TimeUnit.SECONDS);
        }

        assertThat(outages.get()).as("times the charger's connections were terminated").isGreaterThanOrEqualTo(3);
        assertThat(charger.stopped()).as("transient errors do not stop the charger").isNotDone();
        assertThat(gateway.chargedKeys()).isEqualTo(payments);
        for (int i = 1; i <= payments; i++) {
            assertThat(gateway.chargeCount(PaymentProcessor.idempotencyKey(uuid(i)))).isEqualTo(1);
        }
        // one outcome recorded per payment, whatever the rounds that failed half-way asked the gateway again
        assertThat(fixture.rows("SELECT event_type, count(*), count(DISTINCT aggregate_id) FROM outbox.event GROUP BY 1"))
                .containsExactly(List.of("PaymentCompleted", (long) payments, (long) payments));
        assertThat(fixture.rows("SELECT reserved FROM payment.credit"))
                .containsExactly(List.of(new BigDecimal("10.00").multiply(BigDecimal.valueOf(payments)).toPlainString()));
        System.out.printf("terminated %d charger connections in %d outages; %d gateway requests for %d payments%n",
                terminated.get(), outages.get(), gateway.requestCount(), payments);

        charger.close();
        assertThat(charger.stopped()).succeedsWithin(Duration.ofSeconds(1));
    }

    private void startConsumer() {
        consumer = new EventConsumer(fixture.settings(fixture.name("payments"), PaymentProcessor.SCHEMA, List.of(orders)).build(),
                fixture.dataSource(), new PaymentProcessor(CLOCK, Duration.ofDays(3650)), new SimpleMeterRegistry());
        consumer.start();
    }

    private void startCharger(PaymentGateway gateway, String user, String password) {
        chargerPool = DataSources.pooled(fixture.dataSource().getJdbcUrl(), user, password, fixture.name("charger"));
        // a short lease: a payment whose outcome was lost with a connection is asked again soon
        charger = new PaymentCharger(chargerPool, gateway, PaymentCharger.Settings.defaults()
                .withSettleAfter(Duration.ofDays(3650))
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .withLease(Duration.ofSeconds(1)), CLOCK);
        charger.start();
    }

    private List<ProducerRecord<byte[], byte[]>> placed(int from, int to) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            out.add(orderPlaced(orders, uuid(i), ALICE, "10.00", 1, T0));
        }
        return out;
    }

    private void awaitNonePending() {
        fixture.awaitCaughtUp(fixture.name("payments"), List.of(orders));
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.count(
                "SELECT count(*) FROM payment.payment WHERE status = 'PENDING'") == 0);
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = fixture.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            try {
                ps.execute();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static UUID uuid(int n) {
        return UUID.fromString(String.format("00000000-0000-4000-8000-%012d", n));
    }
}
