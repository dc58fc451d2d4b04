package io.outboxrelay.legacy.compensation;

import static io.outboxrelay.consumers.testsupport.TestEvents.header;
import static io.outboxrelay.consumers.testsupport.TestEvents.json;
import static io.outboxrelay.consumers.testsupport.TestEvents.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiFunction;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outboxrelay.consumers.payment.PaymentProcessor;
import io.outboxrelay.consumers.projection.OrderReadModel;
import io.outboxrelay.consumers.runtime.ConsumerSettings;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.consumers.runtime.EventHandler;
import io.outboxrelay.consumers.testsupport.ConsumerFixture;
import io.outboxrelay.legacy.LegacySchema;
import io.outboxrelay.legacy.order.Order;
import io.outboxrelay.legacy.order.OrderLine;
import io.outboxrelay.legacy.order.OrderService;
import io.outboxrelay.legacy.order.SeedData;
import io.outboxrelay.sql.OutboxHeaders;

/**
 * Fault scenario 6: poison events on every topic as each of its consumers reads it ({@code outbox.Order}
 * by the read model and the payment processor, {@code outbox.Payment} by the compensation). Each kind
 * of poison sits between two good events in one partition; every poison record must end up in the
 * consumer's own dead-letter topic with the reason and its origin in headers, and every good event
 * before and after it must be applied.
 */
class PoisonEventsIntegrationTests {

    /** What can arrive on a topic that no handler can use, and the reason the dead letter must give. */
    enum Poison {
        UNPARSABLE("payload is not valid JSON"),
        UNKNOWN_TYPE("unknown event type '"),
        HUGE("payload of "),
        NO_EVENT_ID("missing eventId header");

        final String reason;

        Poison(String reason) {
            this.reason = reason;
        }
    }

    /** Larger than the broker's and the consumer's 1 MB defaults (max.partition.fetch.bytes, maxPayloadBytes). */
    private static final int HUGE_BYTES = 2 * 1024 * 1024;
    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    private ConsumerFixture orderSide;
    private ConsumerFixture legacySide;
    private OrderService orderService;
    private SeedData.Catalog catalog;
    private String orders;
    private String payments;
    private final List<EventConsumer> consumers = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        orderSide = new ConsumerFixture(); // the payments and read-model databases in one
        legacySide = new ConsumerFixture();
        orders = orderSide.name("outbox.Order");
        payments = orderSide.name("outbox.Payment");
        // one partition each, so "before" and "after" a poison record mean what they say
        Map<String, String> takesHugeRecords = Map.of("max.message.bytes", String.valueOf(4 * HUGE_BYTES));
        orderSide.createTopic(orders, 1, takesHugeRecords);
        orderSide.createTopic(payments, 1, takesHugeRecords);
        PaymentProcessor.migrate(orderSide.dataSource());
        OrderReadModel.migrate(orderSide.dataSource(), OrderReadModel.SCHEMA);
        LegacySchema.migrate(legacySide.autoCommitDataSource());
        catalog = SeedData.insert(legacySide.autoCommitDataSource(), 2, 2, 42);
        orderService = new OrderService(legacySide.autoCommitDataSource());
        OrderCompensation.migrate(legacySide.dataSource());
        for (UUID customer : catalog.customerIds()) {
            orderSide.rows("INSERT INTO payment.credit (customer_id, credit_limit) VALUES ('" + customer + "', 100000)"
                    + " RETURNING customer_id");
        }
    }

    @AfterEach
    void tearDown() {
        consumers.forEach(EventConsumer::close);
        orderSide.close();
        legacySide.close();
    }

    @Test
    void deadLettersEveryKindOfPoisonOnEveryTopicForEachConsumerAndAppliesEverythingAroundIt() throws Exception {
        List<UUID> goodOrders = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> orderRecords = new ArrayList<>();
        Map<Poison, Integer> orderPoisonAt = new LinkedHashMap<>();
        for (Poison poison : Poison.values()) {
            goodOrders.add(UUID.randomUUID());
            orderRecords.add(orderPlaced(goodOrders.get(goodOrders.size() - 1), UUID.randomUUID(), ""));
            orderPoisonAt.put(poison, orderRecords.size());
            UUID neverApplied = UUID.randomUUID();
            orderRecords.add(poisoned(poison, orders, "OrderShipped", (id, padding) -> orderPlaced(neverApplied, id, padding)));
            goodOrders.add(UUID.randomUUID());
            orderRecords.add(orderPlaced(goodOrders.get(goodOrders.size() - 1), UUID.randomUUID(), ""));
        }
        List<Order> failedPayments = new ArrayList<>();
        List<Order> poisonTargets = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> paymentRecords = new ArrayList<>();
        Map<Poison, Integer> paymentPoisonAt = new LinkedHashMap<>();
        for (Poison poison : Poison.values()) {
            failedPayments.add(place());
            paymentRecords.add(paymentFailed(failedPayments.get(failedPayments.size() - 1), UUID.randomUUID(), ""));
            Order target = place();
            poisonTargets.add(target);
            paymentPoisonAt.put(poison, paymentRecords.size());
            paymentRecords.add(poisoned(poison, payments, "PaymentDisputed", (id, padding) -> paymentFailed(target, id, padding)));
            failedPayments.add(place());
            paymentRecords.add(paymentFailed(failedPayments.get(failedPayments.size() - 1), UUID.randomUUID(), ""));
        }
        List<RecordMetadata> orderOffsets = orderSide.produce(orderRecords);
        List<RecordMetadata> paymentOffsets = orderSide.produce(paymentRecords);

        String readModel = orderSide.name("read-model");
        String payment = orderSide.name("payments");
        String compensation = orderSide.name("compensation");
        start(readModel, OrderReadModel.SCHEMA, orders, orderSide, new OrderReadModel(OrderReadModel.SCHEMA));
        start(payment, PaymentProcessor.SCHEMA, orders, orderSide,
                new PaymentProcessor());
        start(compensation, OrderCompensation.SCHEMA, payments, legacySide, new OrderCompensation(orderService));
        orderSide.awaitCaughtUp(readModel, List.of(orders));
        orderSide.awaitCaughtUp(payment, List.of(orders));
        orderSide.awaitCaughtUp(compensation, List.of(payments));

        // everything around the poison was applied, and nothing of the poison
        assertThat(orderSide.rows("SELECT order_id FROM read_model.order_view")).extracting(r -> r.get(0))
                .containsExactlyInAnyOrderElementsOf(goodOrders);
        assertThat(orderSide.rows("SELECT order_id FROM payment.payment")).extracting(r -> r.get(0))
                .containsExactlyInAnyOrderElementsOf(goodOrders);
        assertThat(legacySide.rows("SELECT id FROM legacy.orders WHERE status = 'CANCELLED'")).extracting(r -> r.get(0))
                .containsExactlyInAnyOrderElementsOf(failedPayments.stream().map(Order::id).toList());
        assertThat(legacySide.rows("SELECT id FROM legacy.orders WHERE status = 'PLACED'")).extracting(r -> r.get(0))
                .containsExactlyInAnyOrderElementsOf(poisonTargets.stream().map(Order::id).toList());

        assertDeadLetters(readModel, orders, orderRecords, orderOffsets, orderPoisonAt);
        assertDeadLetters(payment, orders, orderRecords, orderOffsets, orderPoisonAt);
        assertDeadLetters(compensation, payments, paymentRecords, paymentOffsets, paymentPoisonAt);
    }

    /** Exactly the poison records, in order, each with its reason and where it came from. */
    private void assertDeadLetters(String group, String topic, List<ProducerRecord<byte[], byte[]>> sent,
                                   List<RecordMetadata> offsets, Map<Poison, Integer> poisonAt) throws Exception {
        List<ConsumerRecord<byte[], byte[]>> dead = orderSide.readAll(group + ".dead-letter");
        assertThat(dead).as("dead letters of %s", group).hasSize(poisonAt.size());
        int i = 0;
        for (Map.Entry<Poison, Integer> e : poisonAt.entrySet()) {
            ConsumerRecord<byte[], byte[]> letter = dead.get(i++);
            ProducerRecord<byte[], byte[]> original = sent.get(e.getValue());
            String what = group + " " + e.getKey();
            assertThat(header(letter, OutboxHeaders.DLQ_REASON)).as(what).startsWith(e.getKey().reason);
            assertThat(header(letter, OutboxHeaders.DLQ_ORIGINAL_TOPIC)).as(what).isEqualTo(topic);
            assertThat(header(letter, OutboxHeaders.DLQ_ORIGINAL_OFFSET)).as(what)
                    .isEqualTo(String.valueOf(offsets.get(e.getValue()).offset()));
            assertThat(header(letter, OutboxHeaders.DLQ_CONSUMER_GROUP)).as(what).isEqualTo(group);
            assertThat(letter.key()).as(what).isEqualTo(original.key());
            if (e.getKey() == Poison.HUGE) {
                // more than the dead-letter topic takes: the value is dropped, its size kept
                assertThat(letter.value()).as(what).isNull();
                assertThat(header(letter, OutboxHeaders.DLQ_VALUE_DROPPED_BYTES)).as(what)
                        .isEqualTo(String.valueOf(original.value().length));
            }
            else {
                assertThat(letter.value()).as(what).isEqualTo(original.value());
            }
        }
    }

    /** A record of {@code topic} poisoned as asked, built from a good event (eventId, padding) of the topic. */
    private static ProducerRecord<byte[], byte[]> poisoned(Poison poison, String topic, String unknownType,
                                                           BiFunction<UUID, String, ProducerRecord<byte[], byte[]>> event) {
        ProducerRecord<byte[], byte[]> good = event.apply(UUID.randomUUID(), "");
        String type = text(good, OutboxHeaders.EVENT_TYPE);
        String aggregateType = text(good, OutboxHeaders.AGGREGATE_TYPE);
        String key = new String(good.key(), StandardCharsets.UTF_8);
        String value = new String(good.value(), StandardCharsets.UTF_8);
        return switch (poison) {
            case UNPARSABLE -> record(topic, key, UUID.randomUUID(), type, aggregateType, value.substring(0, value.length() / 2));
            case UNKNOWN_TYPE -> record(topic, key, UUID.randomUUID(), unknownType, aggregateType, value);
            case HUGE -> event.apply(UUID.randomUUID(), "x".repeat(HUGE_BYTES));
            case NO_EVENT_ID -> event.apply(null, "");
        };
    }

    private static String text(ProducerRecord<byte[], byte[]> record, String header) {
        return new String(record.headers().lastHeader(header).value(), StandardCharsets.UTF_8);
    }

    private ProducerRecord<byte[], byte[]> orderPlaced(UUID orderId, UUID eventId, String padding) {
        Map<String, Object> payload = new LinkedHashMap<>();
        if (!padding.isEmpty()) {
            payload.put("padding", padding);
        }
        payload.put("orderId", orderId.toString());
        payload.put("customerId", catalog.customerIds().get(0).toString());
        payload.put("version", 1);
        payload.put("lines", List.of(Map.of("productId", "p-1", "quantity", 1, "unitPrice", "12.50")));
        payload.put("total", "12.50");
        payload.put("currency", "EUR");
        payload.put("placedAt", T0.toString());
        return record(orders, orderId.toString(), eventId, "OrderPlaced", "Order", json(payload));
    }

    private ProducerRecord<byte[], byte[]> paymentFailed(Order order, UUID eventId, String padding) {
        Map<String, Object> payload = new LinkedHashMap<>();
        if (!padding.isEmpty()) {
            payload.put("padding", padding);
        }
        payload.put("orderId", order.id().toString());
        payload.put("customerId", order.customerId().toString());
        payload.put("version", 1);
        payload.put("amount", order.total().setScale(2).toPlainString());
        payload.put("currency", "EUR");
        payload.put("reason", "card declined (simulated)");
        return record(payments, order.id().toString(), eventId, "PaymentFailed", "Payment", json(payload));
    }

    private Order place() throws Exception {
        return orderService.placeOrder(catalog.customerIds().get(0), List.of(new OrderLine(catalog.productIds().get(0), 1)));
    }

    private void start(String group, String schema, String topic, ConsumerFixture database, EventHandler handler) {
        ConsumerSettings settings = database.settings(group, schema, List.of(topic)).build();
        EventConsumer consumer = new EventConsumer(settings, database.dataSource(), handler, new SimpleMeterRegistry());
        consumers.add(consumer);
        consumer.start();
    }
}
