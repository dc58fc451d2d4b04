package io.outboxrelay.consumers.projection;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
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
 * The read model's set-based batches ({@link ReadModelBatch}) give exactly what its one-by-one {@code handle} gives:
 * the same rows in {@code order_view} and {@code customer_summary} and the same events rejected with the same reasons,
 * for a seeded stream of placements, cancellations, repeats, stale and newer versions, unknown orders and broken
 * payloads, cut into batches of random size.
 */
class ReadModelBatchIntegrationTests {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    private ConsumerFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new ConsumerFixture();
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void setBasedBatchesGiveTheSameReadModelAndRejectionsAsOneEventAtATime() throws Exception {
        long seed = Long.getLong("batch.seed", System.nanoTime());
        Random random = new Random(seed);
        List<Event> events = stream(random, 300, 10);
        String oneByOne = fixture.name("one_by_one").replace('-', '_').replace('.', '_').toLowerCase();
        String batched = fixture.name("batched").replace('-', '_').replace('.', '_').toLowerCase();
        OrderReadModel.migrate(fixture.dataSource(), oneByOne);
        OrderReadModel.migrate(fixture.dataSource(), batched);

        Map<UUID, String> rejectedOneByOne = new LinkedHashMap<>();
        OrderReadModel single = new OrderReadModel(oneByOne);
        for (Event e : events) {
            try (Connection c = fixture.dataSource().getConnection()) {
                c.setAutoCommit(false);
                try {
                    single.handle(e, c);
                    c.commit();
                }
                catch (RejectedEventException rejected) {
                    c.rollback();
                    rejectedOneByOne.put(e.eventId(), rejected.getMessage());
                }
            }
        }

        Map<UUID, String> rejectedBatched = new LinkedHashMap<>();
        OrderReadModel sets = new OrderReadModel(batched);
        int batches = 0;
        for (int from = 0; from < events.size(); batches++) {
            int to = Math.min(events.size(), from + 1 + random.nextInt(random.nextBoolean() ? 5 : 150));
            try (Connection c = fixture.dataSource().getConnection()) {
                c.setAutoCommit(false);
                sets.handleBatch(events.subList(from, to), c, (e, reason) -> rejectedBatched.put(e.eventId(), reason));
                c.commit();
            }
            from = to;
        }

        String why = "seed " + seed + " (-Dbatch.seed), " + events.size() + " events in " + batches + " batches";
        assertThat(rows(batched, "order_view", "order_id")).as(why).isEqualTo(rows(oneByOne, "order_view", "order_id"));
        assertThat(rows(batched, "customer_summary", "customer_id")).as(why)
                .isEqualTo(rows(oneByOne, "customer_summary", "customer_id"));
        assertThat(rejectedBatched).as(why).isEqualTo(rejectedOneByOne);
        assertThat(rejectedOneByOne).as("the stream has events to reject").hasSizeGreaterThan(5);
        assertThat(rows(oneByOne, "order_view", "order_id")).as("and orders in every state").extracting(r -> r.get(2))
                .contains("PLACED", "CANCELLED");
    }

    /** Each order's events in its own order, the orders interleaved at random, as a partition holds them. */
    private static List<Event> stream(Random random, int orders, int customers) {
        List<UUID> customerIds = new ArrayList<>();
        for (int i = 0; i < customers; i++) {
            customerIds.add(new UUID(random.nextLong(), random.nextLong())); // any bits: uuids compare unsigned in SQL
        }
        List<Deque<Event>> perOrder = new ArrayList<>();
        for (int o = 0; o < orders; o++) {
            UUID order = new UUID(random.nextLong(), random.nextLong());
            UUID customer = customerIds.get(random.nextInt(customers));
            Deque<Event> own = new java.util.ArrayDeque<>();
            String total = random.nextInt(100) + "." + (10 + random.nextInt(90));
            Instant placedAt = T0.plusSeconds(random.nextInt(20)); // ties: the order id decides the last order
            int kind = random.nextInt(10);
            if (kind == 0) { // never placed: its cancellation is rejected
                own.add(cancelled(order, 2, "gone", placedAt.plusSeconds(5)));
            }
            else {
                own.add(placed(order, customer, 1, kind == 1 ? "-1.00" : total, placedAt));
                if (random.nextInt(4) == 0) {
                    own.add(placed(order, customer, 1, total, placedAt)); // repeated under a new event id: no change
                }
                if (random.nextInt(8) == 0) {
                    own.add(placed(order, customer, 3, total, placedAt)); // placed twice: rejected
                }
                if (random.nextBoolean()) {
                    own.add(cancelled(order, 2, "reason " + o, placedAt.plusSeconds(30)));
                    if (random.nextInt(3) == 0) {
                        own.add(cancelled(order, 3, "again", placedAt.plusSeconds(40))); // only the version moves
                    }
                    if (random.nextInt(3) == 0) {
                        own.add(cancelled(order, 2, "stale", placedAt.plusSeconds(50)));
                    }
                }
                if (random.nextInt(12) == 0) {
                    Event broken = own.peekLast();
                    ObjectNode payload = ((ObjectNode) broken.payload()).deepCopy();
                    payload.remove("version");
                    own.add(event(broken.eventType(), order, payload));
                }
            }
            perOrder.add(own);
        }
        List<Event> stream = new ArrayList<>();
        while (!perOrder.isEmpty()) {
            int i = random.nextInt(perOrder.size());
            stream.add(perOrder.get(i).poll());
            if (perOrder.get(i).isEmpty()) {
                perOrder.remove(i);
            }
        }
        return stream;
    }

    private static Event placed(UUID order, UUID customer, int version, String total, Instant placedAt) {
        ObjectNode p = JSON.objectNode();
        p.put("orderId", order.toString());
        p.put("customerId", customer.toString());
        p.put("version", version);
        p.set("lines", JSON.arrayNode().add(JSON.objectNode().put("productId", "p-1").put("quantity", 1).put("unitPrice", total)));
        p.put("total", total);
        p.put("currency", "EUR");
        p.put("placedAt", placedAt.toString());
        return event(EventContract.Order.PLACED, order, p);
    }

    private static Event cancelled(UUID order, int version, String reason, Instant at) {
        ObjectNode p = JSON.objectNode();
        p.put("orderId", order.toString());
        p.put("version", version);
        p.put("reason", reason);
        p.put("cancelledAt", at.toString());
        return event(EventContract.Order.CANCELLED, order, p);
    }

    private static Event event(String type, UUID order, ObjectNode payload) {
        return new Event(UUID.randomUUID(), type, "Order", order.toString(), null, payload, Map.of(), "outbox.Order", 0, 0);
    }

    private List<List<Object>> rows(String schema, String table, String key) throws SQLException {
        return fixture.rows("SELECT * FROM " + schema + "." + table + " ORDER BY " + key);
    }
}
