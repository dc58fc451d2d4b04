package io.outboxrelay.legacy.order;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.outboxrelay.legacy.OutboxWriter.NewEvent;

/**
 * The outbox events of the {@value #AGGREGATE_TYPE} aggregate, exactly as docs/events.md defines
 * them. The payload is built field by field rather than serialised from the model records, so a
 * renamed Java field cannot silently change the wire format.
 */
public final class OrderEvents {

    /** The outbox aggregate_type, hence the topic {@code outbox.Order}. */
    public static final String AGGREGATE_TYPE = "Order";
    public static final String ORDER_PLACED = "OrderPlaced";
    public static final String ORDER_CANCELLED = "OrderCancelled";

    private static final ObjectMapper JSON = new ObjectMapper();
    // Always three fraction digits: Instant.toString() drops them when zero, which consumers would
    // have to special-case.
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);

    private OrderEvents() {
    }

    static NewEvent placed(Order order) {
        ObjectNode payload = JSON.createObjectNode()
                .put("orderId", order.id().toString())
                .put("customerId", order.customerId().toString())
                .put("version", order.version());
        ArrayNode lines = payload.putArray("lines");
        for (Order.Line line : order.lines()) {
            lines.addObject()
                    .put("productId", line.productId().toString())
                    .put("quantity", line.quantity())
                    .put("unitPrice", amount(line.unitPrice()));
        }
        payload.put("total", amount(order.total()))
                .put("currency", order.currency())
                .put("placedAt", timestamp(order.placedAt()));
        return event(order.id(), ORDER_PLACED, payload);
    }

    static NewEvent cancelled(UUID orderId, UUID customerId, int version, String reason, Instant cancelledAt) {
        ObjectNode payload = JSON.createObjectNode()
                .put("orderId", orderId.toString())
                .put("customerId", customerId.toString())
                .put("version", version)
                .put("reason", reason)
                .put("cancelledAt", timestamp(cancelledAt));
        return event(orderId, ORDER_CANCELLED, payload);
    }

    /** An amount as the contract writes it: a string with exactly two decimals, never a float. */
    public static String amount(BigDecimal value) {
        // UNNECESSARY: every amount comes from numeric(12,2) columns or their products, so a third
        // decimal would be a bug to report, not to round away.
        return value.setScale(2, RoundingMode.UNNECESSARY).toPlainString();
    }

    /** A point in time as the contract writes it: ISO-8601 in UTC with milliseconds. */
    public static String timestamp(Instant instant) {
        return TIMESTAMP.format(instant);
    }

    private static NewEvent event(UUID orderId, String eventType, ObjectNode payload) {
        try {
            return new NewEvent(UUID.randomUUID(), AGGREGATE_TYPE, orderId.toString(), eventType,
                    JSON.writeValueAsString(payload), null, null);
        }
        catch (JsonProcessingException e) {
            // a tree of strings and numbers always serialises
            throw new IllegalStateException("cannot serialise " + eventType + " payload", e);
        }
    }
}
