package io.outboxrelay.legacy.order;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.outboxrelay.sql.EventContract;
import io.outboxrelay.sql.OutboxWriter.NewEvent;

/**
 * The outbox events of the {@code Order} aggregate, exactly as docs/events.md defines
 * them. The payload is built field by field rather than serialised from the model records, so a
 * renamed Java field cannot silently change the wire format.
 */
public final class OrderEvents {


    private static final ObjectMapper JSON = new ObjectMapper();

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
                    .put("unitPrice", EventContract.amount(line.unitPrice()));
        }
        payload.put("total", EventContract.amount(order.total()))
                .put("currency", order.currency())
                .put("placedAt", EventContract.timestamp(order.placedAt()));
        return event(order.id(), EventContract.Order.PLACED, payload);
    }

    static NewEvent cancelled(UUID orderId, UUID customerId, int version, String reason, Instant cancelledAt) {
        ObjectNode payload = JSON.createObjectNode()
                .put("orderId", orderId.toString())
                .put("customerId", customerId.toString())
                .put("version", version)
                .put("reason", reason)
                .put("cancelledAt", EventContract.timestamp(cancelledAt));
        return event(orderId, EventContract.Order.CANCELLED, payload);
    }

    private static NewEvent event(UUID orderId, String eventType, ObjectNode payload) {
        try {
            return new NewEvent(UUID.randomUUID(), EventContract.Order.AGGREGATE_TYPE, orderId.toString(), eventType,
                    JSON.writeValueAsString(payload), null, null);
        }
        catch (JsonProcessingException e) {
            // a tree of strings and numbers always serialises
            throw new IllegalStateException("cannot serialise " + eventType + " payload", e);
        }
    }
}
