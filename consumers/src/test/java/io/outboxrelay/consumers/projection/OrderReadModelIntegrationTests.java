package io.outboxrelay.consumers.projection;

import static io.outboxrelay.consumers.testsupport.TestEvents.header;
import static io.outboxrelay.consumers.testsupport.TestEvents.inPartition;
import static io.outboxrelay.consumers.testsupport.TestEvents.orderCancelled;
import static io.outboxrelay.consumers.testsupport.TestEvents.orderPlaced;
import static io.outboxrelay.consumers.testsupport.TestEvents.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outboxrelay.consumers.runtime.ConsumerMetrics;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.consumers.testsupport.ConsumerFixture;

/** The order read model on the consumer runtime, against real PostgreSQL and Kafka. */
class OrderReadModelIntegrationTests {

    private static final String SCHEMA = OrderReadModel.SCHEMA;
    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    private static final UUID ALICE = UUID.fromString("00000000-0000-4000-8000-00000000000a");
    private static final UUID BOB = UUID.fromString("00000000-0000-4000-8000-00000000000b");

    private ConsumerFixture fixture;
    private String orders;
    private String payments;
    private final List<EventConsumer> consumers = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        fixture = new ConsumerFixture();
        orders = fixture.name("outbox.Order");
        payments = fixture.name("outbox.Payment");
        fixture.createTopics(3, orders, payments);
        OrderReadModel.migrate(fixture.dataSource(), SCHEMA);
    }

    @AfterEach
    void tearDown() {
        consumers.forEach(EventConsumer::close);
        fixture.close();
    }

    @Test
    void projectsPlacedAndCancelledOrdersIntoOrderViewAndCustomerSummary() throws Exception {
        UUID o1 = uuid(1);
        UUID o2 = uuid(2);
        UUID o3 = uuid(3);
        fixture.produce(List.of(
                orderPlaced(orders, o1, ALICE, "25.00", 2, T0),
                orderPlaced(orders, o2, ALICE, "10.50", 1, T0.plusSeconds(60)),
                orderPlaced(orders, o3, BOB, "99.99", 3, T0.plusSeconds(30)),
                orderCancelled(orders, o2, ALICE, "payment failed: card declined", T0.plusSeconds(61))));

        String group = fixture.name("read-model");
        start(group, SCHEMA, new SimpleMeterRegistry());
        fixture.awaitCaughtUp(group, List.of(orders));

        assertThat(orderView(SCHEMA)).containsExactly(
                Arrays.asList(o1, ALICE, "PLACED", "25.00", "EUR", 2, T0, null, null, 1),
                List.of(o2, ALICE, "CANCELLED", "10.50", "EUR", 1, T0.plusSeconds(60), T0.plusSeconds(61),
                        "payment failed: card declined", 2),
                Arrays.asList(o3, BOB, "PLACED", "99.99", "EUR", 3, T0.plusSeconds(30), null, null, 1));
        // Alice's cancelled order leaves the count and the sum but stays her last order (placed latest)
        assertThat(customerSummary(SCHEMA)).containsExactly(
                List.of(ALICE, 1, "25.00", o2, T0.plusSeconds(60)),
                List.of(BOB, 1, "99.99", o3, T0.plusSeconds(30)));
    }

    @Test
    void redeliveredEventChangesNothing() throws Exception {
        List<ProducerRecord<byte[], byte[]>> events = List.of(
                orderPlaced(orders, uuid(1), ALICE, "25.00", 2, T0),
                orderPlaced(orders, uuid(2), ALICE, "10.50", 1, T0.plusSeconds(1)),
                orderCancelled(orders, uuid(1), ALICE, "changed my mind", T0.plusSeconds(2)));
        fixture.produce(events);
        String group = fixture.name("read-model");
        MeterRegistry registry = new SimpleMeterRegistry();
        start(group, SCHEMA, registry);
        fixture.awaitCaughtUp(group, List.of(orders));
        List<List<Object>> view = orderView(SCHEMA);
        List<List<Object>> summary = customerSummary(SCHEMA);

        fixture.produce(events); // the same records again: same event ids, keys, payloads
        fixture.awaitCaughtUp(group, List.of(orders));

        assertThat(orderView(SCHEMA)).isEqualTo(view);
        assertThat(customerSummary(SCHEMA)).isEqualTo(summary).containsExactly(List.of(ALICE, 1, "10.50", uuid(2), T0.plusSeconds(1)));
        assertThat(events(registry, "duplicate")).isEqualTo(3);
        assertThat(events(registry, "handled")).isEqualTo(3);
        assertThat(fixture.count("SELECT count(*) FROM read_model.processed_event")).isEqualTo(3);
    }

    @Test
    void olderOrRepeatedVersionUnderANewEventIdChangesNothing() throws Exception {
        UUID o1 = uuid(1);
        fixture.produce(List.of(
                orderPlaced(orders, o1, ALICE, "25.00", 2, T0),
                orderCancelled(orders, o1, ALICE, "first reason", T0.plusSeconds(5)),
                // new event ids, versions already applied: the version check, not the event id, stops them
                orderPlaced(orders, UUID.randomUUID(), o1, ALICE, 1, "77.00", 7, T0.plusSeconds(9)),
                orderCancelled(orders, UUID.randomUUID(), o1, ALICE, 2, "second reason", T0.plusSeconds(9))));
        String group = fixture.name("read-model");
        MeterRegistry registry = new SimpleMeterRegistry();
        start(group, SCHEMA, registry);
        fixture.awaitCaughtUp(group, List.of(orders));

        assertThat(orderView(SCHEMA)).containsExactly(
                List.of(o1, ALICE, "CANCELLED", "25.00", "EUR", 2, T0, T0.plusSeconds(5), "first reason", 2));
        assertThat(customerSummary(SCHEMA)).containsExactly(List.of(ALICE, 0, "0.00", o1, T0));
        assertThat(events(registry, "handled")).isEqualTo(4);
        assertThat(deadLetters(registry)).isZero();
    }

    @Test
    void cancellingAnOrderNeverPlacedOrPlacingAnOrderAgainIsDeadLettered() throws Exception {
        UUID o1 = uuid(1);
        fixture.produce(List.of(
                orderCancelled(orders, uuid(9), ALICE, "never placed", T0),
                orderPlaced(orders, o1, ALICE, "25.00", 2, T0),
                orderPlaced(orders, UUID.randomUUID(), o1, ALICE, 2, "30.00", 1, T0.plusSeconds(1))));
        String group = fixture.name("read-model");
        MeterRegistry registry = new SimpleMeterRegistry();
        start(group, SCHEMA, registry);
        fixture.awaitCaughtUp(group, List.of(orders));

        assertThat(fixture.readAll(group + ".dead-letter")).extracting(r -> header(r, "dlqReason")).containsExactlyInAnyOrder(
                "rejected by handler: OrderCancelled for order " + uuid(9) + ", which this read model has not seen placed",
                "rejected by handler: OrderPlaced version 2 for order " + o1 + ", which is already placed at version 1:"
                        + " an order is placed once");
        assertThat(orderView(SCHEMA)).containsExactly(Arrays.asList(o1, ALICE, "PLACED", "25.00", "EUR", 2, T0, null, null, 1));
        assertThat(customerSummary(SCHEMA)).containsExactly(List.of(ALICE, 1, "25.00", o1, T0));
        // a rejected event is not marked processed: once the cause is fixed, replaying it applies it
        assertThat(fixture.count("SELECT count(*) FROM read_model.processed_event")).isEqualTo(1);
    }

    @Test
    void consumerKilledAfterDbCommitBeforeOffsetCommitChangesNothingOnRestart() throws Exception {
        List<ProducerRecord<byte[], byte[]>> events = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            UUID customer = i % 2 == 0 ? ALICE : BOB;
            events.add(orderPlaced(orders, uuid(i), customer, i + ".25", i, T0.plusSeconds(i)));
            if (i % 3 == 0) {
                events.add(orderCancelled(orders, uuid(i), customer, "reason " + i, T0.plusSeconds(100 + i)));
            }
        }
        fixture.produce(events);
        String group = fixture.name("read-model");
        EventConsumer first = start(group, SCHEMA, new SimpleMeterRegistry());
        fixture.awaitCaughtUp(group, List.of(orders));
        first.close();
        List<List<Object>> view = orderView(SCHEMA);
        List<List<Object>> summary = customerSummary(SCHEMA);

        // Every effect is committed in the database; now make Kafka forget every offset commit, as if
        // the consumer had died after each database commit and before any offset commit.
        fixture.resetGroupToEarliest(group, List.of(orders));
        assertThat(fixture.lag(group, List.of(orders))).isEqualTo(events.size());

        MeterRegistry afterRestart = new SimpleMeterRegistry();
        start(group, SCHEMA, afterRestart);
        fixture.awaitCaughtUp(group, List.of(orders));

        assertThat(events(afterRestart, "duplicate")).isEqualTo(events.size());
        assertThat(events(afterRestart, "handled")).isZero();
        assertThat(orderView(SCHEMA)).isEqualTo(view).hasSize(20);
        assertThat(customerSummary(SCHEMA)).isEqualTo(summary);
        assertThat(fixture.count("SELECT count(*) FROM read_model.processed_event")).isEqualTo(events.size());
    }

    @Test
    void unknownEventTypeAndUnparsablePayloadGoToDeadLetterTopicWithReasonAndAreCounted() throws Exception {
        UUID o1 = uuid(1);
        UUID o2 = uuid(2);
        UUID paymentEventId = UUID.randomUUID();
        // all in one partition, so that "the records after them" is well defined
        List<ProducerRecord<byte[], byte[]>> ordered = Stream.of(
                orderPlaced(orders, o1, ALICE, "25.00", 2, T0),
                record(orders, o1.toString(), UUID.randomUUID(), "OrderShipped", "Order", "{\"orderId\":\"" + o1 + "\",\"version\":2}"),
                record(orders, o2.toString(), UUID.randomUUID(), "OrderPlaced", "Order", "{\"orderId\": \"" + o2 + "\", "),
                record(orders, o2.toString(), null, "OrderPlaced", "Order", "{}"),
                record(orders, o2.toString(), UUID.randomUUID(), "OrderPlaced", "Order",
                        "{\"orderId\":\"" + o2 + "\",\"customerId\":\"" + ALICE + "\",\"version\":1,\"lines\":[],"
                                + "\"total\":25.5,\"currency\":\"EUR\",\"placedAt\":\"2026-11-27T10:00:00Z\"}"),
                orderPlaced(orders, o2, BOB, "5.00", 1, T0.plusSeconds(1)))
                .map(r -> inPartition(r, 0)).toList();
        List<RecordMetadata> sent = fixture.produce(ordered);
        fixture.produce(List.of(record(payments, o1.toString(), paymentEventId, "PaymentCompleted", "Payment",
                "{\"orderId\":\"" + o1 + "\",\"version\":1}")));

        String group = fixture.name("read-model");
        MeterRegistry registry = new SimpleMeterRegistry();
        start(group, SCHEMA, registry);
        fixture.awaitCaughtUp(group, List.of(orders, payments));

        List<ConsumerRecord<byte[], byte[]>> deadLetters = fixture.readAll(group + ".dead-letter");
        assertThat(deadLetters).hasSize(4);
        assertThat(deadLetters).extracting(r -> header(r, "dlqReason")).satisfiesExactly(
                reason -> assertThat(reason).startsWith("unknown event type 'OrderShipped'"),
                reason -> assertThat(reason).startsWith("payload is not valid JSON"),
                reason -> assertThat(reason).isEqualTo("missing eventId header"),
                reason -> assertThat(reason).contains("'total' must be a decimal string"));
        for (int i = 0; i < 4; i++) {
            ConsumerRecord<byte[], byte[]> dead = deadLetters.get(i);
            ProducerRecord<byte[], byte[]> original = ordered.get(i + 1);
            assertThat(header(dead, "dlqOriginalTopic")).isEqualTo(orders);
            assertThat(header(dead, "dlqOriginalPartition")).isEqualTo(String.valueOf(sent.get(i + 1).partition()));
            assertThat(header(dead, "dlqOriginalOffset")).isEqualTo(String.valueOf(sent.get(i + 1).offset()));
            assertThat(header(dead, "dlqConsumerGroup")).isEqualTo(group);
            assertThat(dead.key()).isEqualTo(original.key());
            assertThat(dead.value()).isEqualTo(original.value());
            original.headers().forEach(h -> assertThat(dead.headers().lastHeader(h.key()).value()).isEqualTo(h.value()));
        }
        assertThat(deadLetters(registry)).isEqualTo(4);

        // the records after the rejects were projected; the payment event was skipped, not dead-lettered
        assertThat(orderView(SCHEMA)).extracting(row -> row.get(0)).containsExactly(o1, o2);
        assertThat(events(registry, "ignored")).isEqualTo(1);
        assertThat(fixture.count("SELECT count(*) FROM read_model.processed_event WHERE event_id = '" + paymentEventId + "'"))
                .isEqualTo(1);
    }

    @Test
    void newGroupIdRebuildsIdenticalReadModelFromTheBeginning() throws Exception {
        Random random = new Random(42);
        List<UUID> customers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            customers.add(UUID.randomUUID());
        }
        List<ProducerRecord<byte[], byte[]>> events = new ArrayList<>();
        Map<UUID, Expected> expected = new HashMap<>();
        for (int i = 0; i < 150; i++) {
            UUID order = UUID.randomUUID();
            UUID customer = customers.get(random.nextInt(customers.size()));
            // few distinct times, so that some orders of a customer tie on placedAt
            Instant placedAt = T0.plusSeconds(random.nextInt(40));
            String total = random.nextInt(500) + "." + (10 + random.nextInt(90));
            events.add(orderPlaced(orders, order, customer, total, 1 + random.nextInt(5), placedAt));
            boolean cancelled = random.nextInt(3) == 0;
            if (cancelled) {
                events.add(orderCancelled(orders, order, customer, "reason " + i, placedAt.plusSeconds(1)));
            }
            expected.computeIfAbsent(customer, c -> new Expected()).add(order, placedAt, new BigDecimal(total), cancelled);
        }
        String live = fixture.name("read-model");
        start(live, SCHEMA, new SimpleMeterRegistry());
        fixture.produce(events.subList(0, 100)); // the live model consumes while events arrive
        fixture.produce(events.subList(100, events.size()));
        fixture.awaitCaughtUp(live, List.of(orders));

        String rebuilt = "read_model_rebuild";
        OrderReadModel.migrate(fixture.dataSource(), rebuilt);
        String rebuild = fixture.name("read-model-rebuild");
        start(rebuild, rebuilt, new SimpleMeterRegistry());
        fixture.awaitCaughtUp(rebuild, List.of(orders));

        assertThat(orderView(rebuilt)).hasSize(150).isEqualTo(orderView(SCHEMA));
        assertThat(customerSummary(rebuilt)).isEqualTo(customerSummary(SCHEMA));
        Map<UUID, List<Object>> expectedRows = new TreeMap<>(Comparator.comparing(UUID::toString));
        expected.forEach((customer, e) -> expectedRows.put(customer, e.row(customer)));
        assertThat(customerSummary(SCHEMA)).containsExactlyElementsOf(expectedRows.values());
    }

    /** What customer_summary must hold for one customer, computed independently of SQL. */
    private static final class Expected {
        int count;
        BigDecimal total = new BigDecimal("0.00");
        UUID lastOrder;
        Instant lastAt;

        void add(UUID order, Instant placedAt, BigDecimal orderTotal, boolean cancelled) {
            if (!cancelled) {
                count++;
                total = total.add(orderTotal);
            }
            // PostgreSQL orders uuids by their bytes, which is the order of their canonical text
            if (lastAt == null || placedAt.isAfter(lastAt)
                    || placedAt.equals(lastAt) && order.toString().compareTo(lastOrder.toString()) > 0) {
                lastOrder = order;
                lastAt = placedAt;
            }
        }

        List<Object> row(UUID customer) {
            return List.of(customer, count, total.toPlainString(), lastOrder, lastAt);
        }
    }

    private EventConsumer start(String group, String schema, MeterRegistry registry) {
        EventConsumer consumer = new EventConsumer(fixture.settings(group, schema, List.of(orders, payments)).build(),
                fixture.dataSource(), new OrderReadModel(schema), registry);
        consumers.add(consumer);
        return consumer.start();
    }

    private List<List<Object>> orderView(String schema) throws Exception {
        return fixture.rows("SELECT order_id, customer_id, status, total, currency, line_count, placed_at,"
                + " cancelled_at, cancel_reason, version FROM " + schema + ".order_view ORDER BY order_id");
    }

    private List<List<Object>> customerSummary(String schema) throws Exception {
        return fixture.rows("SELECT customer_id, order_count, total, last_order_id, last_order_at FROM " + schema
                + ".customer_summary ORDER BY customer_id");
    }

    private static double events(MeterRegistry registry, String outcome) {
        var counter = registry.find(ConsumerMetrics.EVENTS).tag(ConsumerMetrics.OUTCOME_TAG, outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private static double deadLetters(MeterRegistry registry) {
        return registry.get(ConsumerMetrics.DEAD_LETTERS).counter().count();
    }

    private static UUID uuid(int n) {
        return UUID.fromString(String.format("00000000-0000-4000-8000-%012d", n));
    }
}
