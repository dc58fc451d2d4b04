package io.outboxrelay.legacy.order;

import static io.outboxrelay.legacy.LegacyTestDatabase.count;
import static io.outboxrelay.legacy.LegacyTestDatabase.execute;
import static io.outboxrelay.legacy.LegacyTestDatabase.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.legacy.LegacyTestDatabase;

class OrderServiceIntegrationTests {

    static final Instant PLACED_AT = Instant.parse("2026-11-27T10:15:30.123456Z");
    static final Instant CANCELLED_AT = Instant.parse("2026-11-27T10:15:31.456789Z");
    static final ObjectMapper JSON = new ObjectMapper();

    DataSource ds;
    SeedData.Catalog catalog;
    OrderService service;

    @BeforeEach
    void database() throws SQLException {
        ds = LegacyTestDatabase.migrated("orders");
        catalog = SeedData.insert(ds, 3, 5, 42);
        service = new OrderService(ds, "EUR", Clock.fixed(PLACED_AT, ZoneOffset.UTC));
    }

    @Test
    void placingAnOrderWritesOrderLinesAndOrderPlacedEventInOneTransaction() throws Exception {
        Customer customer = catalog.customers().get(1);
        Product first = catalog.products().get(0);
        Product second = catalog.products().get(3);

        Order order = service.placeOrder(customer.id(), List.of(new OrderLine(first.id(), 2), new OrderLine(second.id(), 1)));

        BigDecimal total = first.price().multiply(BigDecimal.valueOf(2)).add(second.price());
        assertThat(order.total()).isEqualTo(total);
        assertThat(service.findOrder(order.id())).contains(order);
        assertThat(rows(ds, "SELECT customer_id || ' ' || status || ' ' || total || ' ' || currency || ' ' || version"
                + " || ' ' || (placed_at = '2026-11-27T10:15:30.123Z') || ' ' || (cancelled_at IS NULL) FROM legacy.orders"))
                .containsExactly(customer.id() + " PLACED " + total + " EUR 1 true true");
        assertThat(rows(ds, "SELECT line_no || ' ' || product_id || ' ' || quantity || ' ' || unit_price"
                + " FROM legacy.order_lines ORDER BY line_no"))
                .containsExactly("1 " + first.id() + " 2 " + first.price(), "2 " + second.id() + " 1 " + second.price());
        assertThat(rows(ds, "SELECT aggregate_type || ' ' || aggregate_id || ' ' || event_type FROM outbox.event"))
                .containsExactly("Order " + order.id() + " OrderPlaced");

        JsonNode payload = JSON.readTree(rows(ds, "SELECT payload::text FROM outbox.event").get(0));
        assertThat(fieldNames(payload))
                .containsExactlyInAnyOrder("orderId", "customerId", "version", "lines", "total", "currency", "placedAt");
        assertThat(payload.get("orderId").asText()).isEqualTo(order.id().toString());
        assertThat(payload.get("customerId").asText()).isEqualTo(customer.id().toString());
        assertThat(payload.get("version").isInt()).isTrue();
        assertThat(payload.get("version").asInt()).isEqualTo(1);
        assertThat(payload.get("total").isTextual()).as("amounts are strings").isTrue();
        assertThat(payload.get("total").asText()).isEqualTo(total.toPlainString()).matches("\\d+\\.\\d\\d");
        assertThat(payload.get("currency").asText()).isEqualTo("EUR");
        assertThat(payload.get("placedAt").asText()).isEqualTo("2026-11-27T10:15:30.123Z");
        JsonNode lines = payload.get("lines");
        assertThat(lines).hasSize(2);
        for (JsonNode line : lines) {
            assertThat(fieldNames(line)).containsExactlyInAnyOrder("productId", "quantity", "unitPrice");
            assertThat(line.get("unitPrice").isTextual()).isTrue();
            assertThat(line.get("quantity").isInt()).isTrue();
        }
        assertThat(lines.get(0).get("productId").asText()).isEqualTo(first.id().toString());
        assertThat(lines.get(0).get("quantity").asInt()).isEqualTo(2);
        assertThat(lines.get(0).get("unitPrice").asText()).isEqualTo(first.price().toPlainString());
        assertThat(lines.get(1).get("productId").asText()).isEqualTo(second.id().toString());

        // same transaction id on every row written: one transaction, not three that happened to commit
        assertThat(count(ds, "SELECT count(DISTINCT x) FROM (SELECT xmin::text x FROM legacy.orders"
                + " UNION ALL SELECT xmin::text FROM legacy.order_lines UNION ALL SELECT xmin::text FROM outbox.event) t"))
                .isEqualTo(1);
    }

    @Test
    void failedOrderWritesNoOutboxEvent() throws Exception {
        UUID customer = catalog.customerIds().get(0);
        UUID unknownProduct = UUID.fromString("00000000-0000-0000-0000-00000000beef");
        List<OrderLine> lines = List.of(new OrderLine(catalog.productIds().get(0), 1), new OrderLine(unknownProduct, 2));

        assertThatThrownBy(() -> service.placeOrder(customer, lines))
                .isInstanceOfSatisfying(UnknownProductException.class,
                        e -> assertThat(e.productIds()).containsExactly(unknownProduct))
                .hasMessage("cannot place order: product " + unknownProduct + " does not exist in legacy.products");
        UUID unknownCustomer = UUID.fromString("00000000-0000-0000-0000-00000000cafe");
        assertThatThrownBy(() -> service.placeOrder(unknownCustomer, lines.subList(0, 1)))
                .isInstanceOf(UnknownCustomerException.class)
                .hasMessage("cannot place order: customer " + unknownCustomer + " does not exist in legacy.customers");

        assertNothingWritten();
    }

    @Test
    void failingOutboxWriteRollsBackTheOrderRowsAndLeavesTheConnectionUsable() throws Exception {
        // a failure after the order rows are written: they must go with it
        execute(ds, "CREATE FUNCTION outbox.refuse() RETURNS trigger LANGUAGE plpgsql AS"
                + " $$BEGIN RAISE EXCEPTION 'outbox refused in test'; END$$;"
                + " CREATE TRIGGER refuse BEFORE INSERT ON outbox.event FOR EACH ROW EXECUTE FUNCTION outbox.refuse()");
        List<OrderLine> lines = List.of(new OrderLine(catalog.productIds().get(0), 1));
        try (Connection c = ds.getConnection()) {
            assertThatThrownBy(() -> service.placeOrder(c, catalog.customerIds().get(0), lines))
                    .isInstanceOf(SQLException.class).hasMessageContaining("outbox refused in test");
            assertNothingWritten();
            assertThat(c.getAutoCommit()).isTrue();

            execute(ds, "DROP TRIGGER refuse ON outbox.event");
            Order order = service.placeOrder(c, catalog.customerIds().get(0), lines);

            assertThat(rows(ds, "SELECT aggregate_id FROM outbox.event")).containsExactly(order.id().toString());
        }
    }

    @Test
    void refusesAConnectionWithAnOpenTransaction() throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);

            assertThatThrownBy(() -> service.placeOrder(c, catalog.customerIds().get(0),
                    List.of(new OrderLine(catalog.productIds().get(0), 1))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already in a transaction");
            c.rollback();
        }
        assertNothingWritten();
    }

    @Test
    void cancelIsIdempotentAndEmitsOneOrderCancelled() throws Exception {
        UUID customer = catalog.customerIds().get(2);
        Order order = service.placeOrder(customer, List.of(new OrderLine(catalog.productIds().get(1), 3)));
        OrderService later = new OrderService(ds, "EUR", Clock.fixed(CANCELLED_AT, ZoneOffset.UTC));

        assertThat(later.cancelOrder(order.id(), "payment failed: card declined")).isTrue();
        assertThat(later.cancelOrder(order.id(), "payment failed: card declined")).isFalse();
        assertThat(later.cancelOrder(order.id(), "another reason")).isFalse();

        Order cancelled = service.findOrder(order.id()).orElseThrow();
        assertThat(cancelled.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(cancelled.version()).isEqualTo(2);
        assertThat(cancelled.cancelReason()).isEqualTo("payment failed: card declined");
        assertThat(cancelled.cancelledAt()).isEqualTo(Instant.parse("2026-11-27T10:15:31.456Z"));
        assertThat(rows(ds, "SELECT event_type FROM outbox.event ORDER BY event_type"))
                .containsExactly("OrderCancelled", "OrderPlaced");
        JsonNode payload = JSON.readTree(rows(ds,
                "SELECT payload::text FROM outbox.event WHERE event_type = 'OrderCancelled'").get(0));
        assertThat(fieldNames(payload)).containsExactlyInAnyOrder("orderId", "customerId", "version", "reason", "cancelledAt");
        assertThat(payload.get("orderId").asText()).isEqualTo(order.id().toString());
        assertThat(payload.get("customerId").asText()).isEqualTo(customer.toString());
        assertThat(payload.get("version").asInt()).isEqualTo(2);
        assertThat(payload.get("reason").asText()).isEqualTo("payment failed: card declined");
        assertThat(payload.get("cancelledAt").asText()).isEqualTo("2026-11-27T10:15:31.456Z");
        assertThat(rows(ds, "SELECT aggregate_type || ' ' || aggregate_id FROM outbox.event WHERE event_type = 'OrderCancelled'"))
                .containsExactly("Order " + order.id());
    }

    @Test
    void concurrentCancelsOfOneOrderEmitExactlyOneOrderCancelled() throws Exception {
        Order order = service.placeOrder(catalog.customerIds().get(0), List.of(new OrderLine(catalog.productIds().get(2), 1)));
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Boolean>> results = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                String reason = "cancel " + i;
                results.add(pool.submit(() -> {
                    start.await();
                    return service.cancelOrder(order.id(), reason);
                }));
            }
            int changed = 0;
            for (Future<Boolean> result : results) {
                changed += result.get() ? 1 : 0;
            }
            assertThat(changed).isEqualTo(1);
        }
        finally {
            pool.shutdownNow();
        }

        assertThat(count(ds, "SELECT count(*) FROM outbox.event WHERE event_type = 'OrderCancelled'")).isEqualTo(1);
        assertThat(rows(ds, "SELECT (payload->>'version') || ' ' || (payload->>'reason') FROM outbox.event"
                + " WHERE event_type = 'OrderCancelled'"))
                .containsExactly("2 " + service.findOrder(order.id()).orElseThrow().cancelReason());
        assertThat(service.findOrder(order.id()).orElseThrow().version()).isEqualTo(2);
    }

    @Test
    void cancellingAnUnknownOrderIsRejected() {
        UUID unknown = UUID.fromString("00000000-0000-0000-0000-000000000404");

        assertThatThrownBy(() -> service.cancelOrder(unknown, "no reason"))
                .isInstanceOf(UnknownOrderException.class)
                .hasMessage("cannot cancel order: order " + unknown + " does not exist in legacy.orders");
    }

    private void assertNothingWritten() throws SQLException {
        assertThat(count(ds, "SELECT count(*) FROM legacy.orders")).isZero();
        assertThat(count(ds, "SELECT count(*) FROM legacy.order_lines")).isZero();
        assertThat(count(ds, "SELECT count(*) FROM outbox.event")).isZero();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
