package io.outboxrelay.legacy.compensation;

import static io.outboxrelay.consumers.testsupport.TestEvents.header;
import static io.outboxrelay.consumers.testsupport.TestEvents.json;
import static io.outboxrelay.consumers.testsupport.TestEvents.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.consumers.testsupport.ConsumerFixture;
import io.outboxrelay.legacy.LegacySchema;
import io.outboxrelay.legacy.order.Order;
import io.outboxrelay.legacy.order.OrderLine;
import io.outboxrelay.legacy.order.OrderService;
import io.outboxrelay.legacy.order.SeedData;

/**
 * The compensation on the consumer runtime, against a real legacy order database (placed through
 * the legacy OrderService) and real Kafka; the payment events are produced as the relay would.
 */
class OrderCompensationIntegrationTests {

    private ConsumerFixture fixture;
    private String payments;
    private OrderService orderService;
    private SeedData.Catalog catalog;
    private final List<EventConsumer> consumers = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        fixture = new ConsumerFixture(); // its database plays the legacy database
        payments = fixture.name("outbox.Payment");
        fixture.createTopics(3, payments);
        LegacySchema.migrate(fixture.autoCommitDataSource());
        catalog = SeedData.insert(fixture.autoCommitDataSource(), 2, 2, 42);
        orderService = new OrderService(fixture.autoCommitDataSource());
        OrderCompensation.migrate(fixture.dataSource());
    }

    @AfterEach
    void tearDown() {
        consumers.forEach(EventConsumer::close);
        fixture.close();
    }

    @Test
    void compensationCancelsOrderOnceForFailedOrRejectedPayment() throws Exception {
        Order failed = place(0);
        Order rejected = place(1);
        Order paid = place(0);
        UUID unknown = UUID.fromString("00000000-0000-4000-8000-000000000999");
        List<ProducerRecord<byte[], byte[]>> events = List.of(
                paymentEvent(UUID.randomUUID(), "PaymentFailed", failed, "card declined (simulated)"),
                paymentEvent(UUID.randomUUID(), "CreditRejected", rejected,
                        "credit limit exceeded: limit 200.00, reserved 150.00, order total 80.00"),
                paymentEvent(UUID.randomUUID(), "PaymentCompleted", paid, null));
        fixture.produce(events);
        String group = fixture.name("compensation");
        start(group);
        fixture.awaitCaughtUp(group, List.of(payments));

        fixture.produce(events); // redelivered: same event ids
        fixture.produce(List.of( // the same outcomes again under new event ids: cancelOrder's idempotency stops them
                paymentEvent(UUID.randomUUID(), "PaymentFailed", failed, "card declined (simulated)"),
                paymentEvent(UUID.randomUUID(), "CreditRejected", rejected, "another reason"),
                paymentEvent(UUID.randomUUID(), "PaymentFailed", unknownOrder(unknown), "card declined (simulated)")));
        fixture.awaitCaughtUp(group, List.of(payments));

        assertThat(fixture.rows("SELECT id, status, cancel_reason, version FROM legacy.orders ORDER BY placed_at, id"))
                .containsExactlyInAnyOrder(
                        List.of(failed.id(), "CANCELLED", "payment failed: card declined (simulated)", 2),
                        List.of(rejected.id(), "CANCELLED",
                                "credit rejected: credit limit exceeded: limit 200.00, reserved 150.00, order total 80.00", 2),
                        java.util.Arrays.asList(paid.id(), "PLACED", null, 1));
        assertThat(fixture.rows("SELECT aggregate_id, count(*) FROM outbox.event WHERE event_type = 'OrderCancelled'"
                + " GROUP BY 1 ORDER BY 1")).containsExactlyInAnyOrder(
                List.of(failed.id().toString(), 1L), List.of(rejected.id().toString(), 1L));
        // 3 first deliveries + 2 new event ids for known orders; the unknown order was dead-lettered, not marked
        assertThat(fixture.count("SELECT count(*) FROM compensation.processed_event")).isEqualTo(5);
        assertThat(fixture.readAll(group + ".dead-letter")).extracting(r -> header(r, "dlqReason")).containsExactly(
                "rejected by handler: PaymentFailed for order " + unknown + ", which the order system does not know");
    }

    private Order place(int customer) throws Exception {
        return orderService.placeOrder(catalog.customerIds().get(customer),
                List.of(new OrderLine(catalog.productIds().get(0), 2), new OrderLine(catalog.productIds().get(1), 1)));
    }

    private static Order unknownOrder(UUID id) {
        return new Order(id, UUID.randomUUID(), null, List.of(), java.math.BigDecimal.ONE, "EUR", null, null, null, 1);
    }

    /** A Payment event as the relay publishes it from the payments outbox; a null reason leaves the field out. */
    private ProducerRecord<byte[], byte[]> paymentEvent(UUID eventId, String type, Order order, String reason) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("orderId", order.id().toString());
        payload.put("customerId", order.customerId().toString());
        payload.put("version", 1);
        payload.put("amount", order.total().setScale(2).toPlainString());
        payload.put("currency", "EUR");
        if (reason != null) {
            payload.put("reason", reason);
        }
        return record(payments, order.id().toString(), eventId, type, "Payment", json(payload));
    }

    private EventConsumer start(String group) {
        EventConsumer consumer = new EventConsumer(fixture.settings(group, OrderCompensation.SCHEMA, List.of(payments)).build(),
                fixture.dataSource(), new OrderCompensation(orderService), new SimpleMeterRegistry());
        consumers.add(consumer);
        return consumer.start();
    }
}
