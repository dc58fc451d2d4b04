package io.outboxrelay.legacy.order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.outboxrelay.sql.EventContract;
import io.outboxrelay.sql.OutboxWriter.NewEvent;

class OrderEventsUnitTests {

    static final UUID ORDER = UUID.fromString("7c0e0000-0000-4000-8000-000000000001");
    static final UUID CUSTOMER = UUID.fromString("a1b20000-0000-4000-8000-000000000002");
    static final UUID PRODUCT = UUID.fromString("00000000-0000-4000-8000-000000000001");

    @Test
    void orderPlacedPayloadIsTheContractsShapeWithAmountsAsStrings() {
        Order order = new Order(ORDER, CUSTOMER, OrderStatus.PLACED,
                List.of(new Order.Line(1, PRODUCT, 2, new BigDecimal("12.50"))), new BigDecimal("25.00"), "EUR",
                Instant.parse("2026-11-27T10:15:30.123Z"), null, null, 1);

        NewEvent event = OrderEvents.placed(order);

        assertThat(event.aggregateType()).isEqualTo("Order");
        assertThat(event.aggregateId()).isEqualTo(ORDER.toString());
        assertThat(event.eventType()).isEqualTo("OrderPlaced");
        assertThat(event.eventId()).isNotNull();
        assertThat(event.payloadJson()).isEqualTo("{\"orderId\":\"" + ORDER + "\",\"customerId\":\"" + CUSTOMER + "\","
                + "\"version\":1,\"lines\":[{\"productId\":\"" + PRODUCT + "\",\"quantity\":2,\"unitPrice\":\"12.50\"}],"
                + "\"total\":\"25.00\",\"currency\":\"EUR\",\"placedAt\":\"2026-11-27T10:15:30.123Z\"}");
    }

    @Test
    void orderCancelledPayloadCarriesTheNextVersionAndTheReason() {
        NewEvent event = OrderEvents.cancelled(ORDER, CUSTOMER, 2, "payment failed: card declined",
                Instant.parse("2026-11-27T10:15:31.456Z"));

        assertThat(event.eventType()).isEqualTo("OrderCancelled");
        assertThat(event.aggregateId()).isEqualTo(ORDER.toString());
        assertThat(event.payloadJson()).isEqualTo("{\"orderId\":\"" + ORDER + "\",\"customerId\":\"" + CUSTOMER + "\","
                + "\"version\":2,\"reason\":\"payment failed: card declined\",\"cancelledAt\":\"2026-11-27T10:15:31.456Z\"}");
    }

    @Test
    void eachEventGetsItsOwnEventId() {
        NewEvent first = OrderEvents.cancelled(ORDER, CUSTOMER, 2, "r", Instant.EPOCH);
        NewEvent second = OrderEvents.cancelled(ORDER, CUSTOMER, 2, "r", Instant.EPOCH);

        assertThat(first.eventId()).isNotEqualTo(second.eventId());
    }

    @Test
    void amountsAlwaysHaveTwoDecimalsAndAreNeverRounded() {
        assertThat(EventContract.amount(new BigDecimal("25"))).isEqualTo("25.00");
        assertThat(EventContract.amount(new BigDecimal("12.5"))).isEqualTo("12.50");
        assertThat(EventContract.amount(new BigDecimal("1E+3"))).isEqualTo("1000.00");
        assertThat(EventContract.amount(new BigDecimal("3.100"))).isEqualTo("3.10");
        assertThatThrownBy(() -> EventContract.amount(new BigDecimal("0.005"))).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void timestampsAreUtcWithMillisecondsEvenWhenZero() {
        assertThat(EventContract.timestamp(Instant.parse("2026-11-27T10:15:30Z"))).isEqualTo("2026-11-27T10:15:30.000Z");
        assertThat(EventContract.timestamp(Instant.parse("2026-11-27T10:15:30.123Z"))).isEqualTo("2026-11-27T10:15:30.123Z");
    }

    @Test
    void orderLineNeedsAProductAndAPositiveQuantity() {
        assertThatThrownBy(() -> new OrderLine(PRODUCT, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quantity must be positive");
        assertThatThrownBy(() -> new OrderLine(null, 1)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void unknownProductsAreAllNamedInTheMessage() {
        UUID other = UUID.fromString("00000000-0000-0000-0000-000000000002");

        assertThat(new UnknownProductException(List.of(PRODUCT, other)))
                .hasMessage("cannot place order: products " + PRODUCT + ", " + other + " do not exist in legacy.products");
    }
}
