package io.outboxrelay.consumers.payment;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.outboxrelay.consumers.runtime.Event;
import io.outboxrelay.consumers.runtime.RejectedEventException;
import io.outboxrelay.consumers.testsupport.ConsumerFixture;
import io.outboxrelay.sql.EventContract;

/**
 * The payment processor decides the same whatever the batches it is given ({@link PaymentBatch}): a seeded stream of
 * orders (some over the credit limit, of a customer without an account, with a broken payload, repeated under a new
 * event id) and cancellations (of new, of already charged and of never placed orders), applied one event per
 * transaction in one database and cut into batches of random size in another, leaves the same payments, the same
 * credit, the same events in the outbox and the same events rejected. The customers start with completed payments
 * waiting to settle, so the orders' credit checks settle some of them on the way.
 */
class PaymentBatchIntegrationTests {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(T0.plusSeconds(600), ZoneOffset.UTC);
    private static final Duration SETTLE_AFTER = Duration.ofSeconds(2);

    private ConsumerFixture oneByOne;
    private ConsumerFixture batched;

    @BeforeEach
    void setUp() {
        oneByOne = new ConsumerFixture();
        batched = new ConsumerFixture();
        PaymentProcessor.migrate(oneByOne.dataSource());
        PaymentProcessor.migrate(batched.dataSource());
    }

    @AfterEach
    void tearDown() {
        oneByOne.close();
        batched.close();
    }

    @Test
    void batchesOfAnySizeDecideAsOneEventAtATime() throws Exception {
        long seed = Long.getLong("batch.seed", System.nanoTime());
        Random random = new Random(seed);
        List<UUID> customers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            customers.add(new UUID(random.nextLong(), random.nextLong()));
        }
        List<UUID> charged = seed(random, customers);
        List<UUID> withoutAccount = List.of(new UUID(random.nextLong(), random.nextLong()));
        List<Event> events = stream(random, customers, withoutAccount, charged);

        Map<UUID, String> rejectedOneByOne = new LinkedHashMap<>();
        PaymentProcessor processor = new PaymentProcessor(CLOCK, SETTLE_AFTER);
        for (Event e : events) {
            try (Connection c = oneByOne.dataSource().getConnection()) {
                c.setAutoCommit(false);
                try {
                    processor.handle(e, c);
                    c.commit();
                }
                catch (RejectedEventException rejected) {
                    c.rollback();
                    rejectedOneByOne.put(e.eventId(), rejected.getMessage());
                }
            }
        }
        Map<UUID, String> rejectedBatched = new LinkedHashMap<>();
        int batches = 0;
        for (int from = 0; from < events.size(); batches++) {
            int to = Math.min(events.size(), from + 1 + random.nextInt(random.nextBoolean() ? 5 : 200));
            try (Connection c = batched.dataSource().getConnection()) {
                c.setAutoCommit(false);
                processor.handleBatch(events.subList(from, to), c, (e, reason) -> rejectedBatched.put(e.eventId(), reason));
                c.commit();
            }
            from = to;
        }

        String why = "seed " + seed + " (-Dbatch.seed), " + events.size() + " events in " + batches + " batches";
        String payments = "SELECT * FROM payment.payment ORDER BY order_id";
        String credit = "SELECT * FROM payment.credit ORDER BY customer_id";
        String outbox = "SELECT aggregate_type, aggregate_id, event_type, payload::text FROM outbox.event ORDER BY 2, 3";
        assertThat(batched.rows(payments)).as(why).isEqualTo(oneByOne.rows(payments));
        assertThat(batched.rows(credit)).as(why).isEqualTo(oneByOne.rows(credit));
        assertThat(batched.rows(outbox)).as(why).isEqualTo(oneByOne.rows(outbox));
        assertThat(rejectedBatched).as(why).isEqualTo(rejectedOneByOne);

        // and the stream covers what it claims to
        assertThat(oneByOne.rows("SELECT DISTINCT status FROM payment.payment")).as(why)
                .containsExactlyInAnyOrder(List.of("PENDING"), List.of("REJECTED"), List.of("COMPLETED"));
        assertThat(oneByOne.count("SELECT count(*) FROM outbox.event WHERE event_type = 'PaymentSettled'")).as(why).isPositive();
        assertThat(oneByOne.count("SELECT count(*) FROM payment.payment WHERE refund_requested_at IS NOT NULL"
                + " AND status = 'COMPLETED'")).as(why).isPositive();
        assertThat(oneByOne.count("SELECT count(*) FROM payment.payment WHERE refund_requested_at IS NOT NULL"
                + " AND status = 'PENDING'")).as(why).isPositive();
        assertThat(rejectedOneByOne.values()).as(why).anyMatch(r -> r.contains("no credit account"))
                .anyMatch(r -> r.contains("'total'"));
    }

    /** Credit accounts with completed payments still holding credit, the same in both databases. */
    private List<UUID> seed(Random random, List<UUID> customers) throws SQLException {
        List<UUID> charged = new ArrayList<>();
        for (ConsumerFixture db : List.of(oneByOne, batched)) {
            try (Connection c = db.dataSource().getConnection()) {
                c.setAutoCommit(true);
                for (UUID customer : customers) {
                    CreditAccounts.upsert(c, customer, new BigDecimal(200 + 50 * customers.indexOf(customer) + ".00"));
                }
            }
        }
        Random same = new Random(random.nextLong());
        for (UUID customer : customers) {
            for (int k = 0; k < 3; k++) {
                UUID order = new UUID(same.nextLong(), same.nextLong());
                BigDecimal amount = new BigDecimal(10 + same.nextInt(40) + ".25");
                Instant placedAt = T0.minusSeconds(3).plusMillis(same.nextInt(6000)); // some settle only later
                for (ConsumerFixture db : List.of(oneByOne, batched)) {
                    completed(db, order, customer, amount, placedAt);
                }
                charged.add(order);
            }
        }
        return charged;
    }

    private static void completed(ConsumerFixture db, UUID order, UUID customer, BigDecimal amount, Instant placedAt)
            throws SQLException {
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO payment.payment (order_id, customer_id, amount,"
                    + " currency, placed_at, status, idempotency_key, attempt_count, created_at, resolved_at)"
                    + " VALUES (?, ?, ?, 'EUR', ?, 'COMPLETED', ?, 1, ?, ?)")) {
                ps.setObject(1, order);
                ps.setObject(2, customer);
                ps.setBigDecimal(3, amount);
                ps.setTimestamp(4, Timestamp.from(placedAt));
                ps.setString(5, PaymentProcessor.idempotencyKey(order));
                ps.setTimestamp(6, Timestamp.from(placedAt));
                ps.setTimestamp(7, Timestamp.from(placedAt.plusMillis(100)));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE payment.credit SET reserved = reserved + ? WHERE customer_id = ?")) {
                ps.setBigDecimal(1, amount);
                ps.setObject(2, customer);
                ps.executeUpdate();
            }
        }
    }

    /** Each order's events in its own order, the orders interleaved at random (mostly in the order placed). */
    private static List<Event> stream(Random random, List<UUID> customers, List<UUID> withoutAccount, List<UUID> charged) {
        List<Deque<Event>> perOrder = new ArrayList<>();
        for (int o = 0; o < 300; o++) {
            UUID order = new UUID(random.nextLong(), random.nextLong());
            boolean noAccount = random.nextInt(40) == 0;
            UUID customer = noAccount ? withoutAccount.get(0) : customers.get(random.nextInt(customers.size()));
            Instant placedAt = T0.plusMillis(40L * o);
            String total = random.nextInt(12) == 0 ? "-5.00" : (5 + random.nextInt(60)) + "." + (10 + random.nextInt(90));
            Deque<Event> own = new ArrayDeque<>();
            own.add(placed(order, customer, total, placedAt));
            if (random.nextInt(10) == 0) {
                own.add(placed(order, customer, total, placedAt)); // a new event id: changes nothing
            }
            if (random.nextInt(4) == 0) {
                own.add(cancelled(order));
            }
            if (random.nextInt(30) == 0) {
                own.add(cancelled(order));
            }
            perOrder.add(own);
        }
        for (UUID order : charged) {
            if (random.nextBoolean()) {
                perOrder.add(new ArrayDeque<>(List.of(cancelled(order))));
            }
        }
        perOrder.add(new ArrayDeque<>(List.of(cancelled(new UUID(random.nextLong(), random.nextLong()))))); // never placed
        List<Event> stream = new ArrayList<>();
        while (!perOrder.isEmpty()) {
            int i = random.nextInt(Math.min(perOrder.size(), 8)); // near the front: roughly in placing order
            stream.add(perOrder.get(i).poll());
            if (perOrder.get(i).isEmpty()) {
                perOrder.remove(i);
            }
        }
        return stream;
    }

    private static Event placed(UUID order, UUID customer, String total, Instant placedAt) {
        ObjectNode p = JSON.objectNode();
        p.put("orderId", order.toString());
        p.put("customerId", customer.toString());
        p.put("version", 1);
        p.put("total", total);
        p.put("currency", "EUR");
        p.put("placedAt", placedAt.toString());
        return event(EventContract.Order.PLACED, order, p);
    }

    private static Event cancelled(UUID order) {
        ObjectNode p = JSON.objectNode();
        p.put("orderId", order.toString());
        p.put("version", 2);
        p.put("reason", "customer changed their mind");
        p.put("cancelledAt", T0.plusSeconds(30).toString());
        return event(EventContract.Order.CANCELLED, order, p);
    }

    private static Event event(String type, UUID order, ObjectNode payload) {
        return new Event(UUID.randomUUID(), type, "Order", order.toString(), null, payload, Map.of(), "outbox.Order", 0, 0);
    }
}
