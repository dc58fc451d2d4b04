package io.outboxrelay.consumers.payment;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.outboxrelay.sql.EventContract;
import io.outboxrelay.sql.OutboxWriter.NewEvent;

/**
 * The outbox events of the {@code Payment} aggregate, as docs/events.md defines them. Like
 * {@link OrderEvents}, payloads are built field by field so a renamed Java field cannot change the
 * wire format; amounts and timestamps are formatted by the same methods as the order events.
 */
public final class PaymentEvents {

    /** The outbox aggregate_type, hence the topic {@code outbox.Payment}; the aggregate id is the order id. */
    /** A payment has exactly one outcome, so each of these events is its aggregate's first. */
    static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    private PaymentEvents() {
    }

    static NewEvent completed(OrderToPay order, String idempotencyKey, Instant completedAt) {
        ObjectNode payload = common(order)
                .put("paymentId", idempotencyKey)
                .put("idempotencyKey", idempotencyKey)
                .put("completedAt", EventContract.timestamp(completedAt));
        return event(order.orderId(), EventContract.Payment.COMPLETED, payload);
    }

    static NewEvent failed(OrderToPay order, String idempotencyKey, String reason, Instant failedAt) {
        ObjectNode payload = common(order)
                .put("paymentId", idempotencyKey)
                .put("idempotencyKey", idempotencyKey)
                .put("reason", reason)
                .put("failedAt", EventContract.timestamp(failedAt));
        return event(order.orderId(), EventContract.Payment.FAILED, payload);
    }

    /** @param reserved what the customer had reserved before this order, which did not fit on top of it */
    static NewEvent creditRejected(OrderToPay order, BigDecimal creditLimit, BigDecimal reserved, String reason,
                                   Instant rejectedAt) {
        ObjectNode payload = common(order)
                .put("creditLimit", EventContract.amount(creditLimit))
                .put("reserved", EventContract.amount(reserved))
                .put("reason", reason)
                .put("rejectedAt", EventContract.timestamp(rejectedAt));
        return event(order.orderId(), EventContract.Payment.CREDIT_REJECTED, payload);
    }

    /** The second event of a completed payment, unless a refund came first. */
    static NewEvent settled(OrderToPay order, String idempotencyKey, Instant settledAt) {
        ObjectNode payload = common(order, VERSION + 1)
                .put("paymentId", idempotencyKey)
                .put("settledAt", EventContract.timestamp(settledAt));
        return event(order.orderId(), EventContract.Payment.SETTLED, payload);
    }

    /** @param afterSettlement the payment was settled before: the version follows PaymentSettled's */
    static NewEvent refunded(OrderToPay order, String idempotencyKey, String refundKey, boolean afterSettlement,
                             Instant refundedAt) {
        ObjectNode payload = common(order, VERSION + (afterSettlement ? 2 : 1))
                .put("paymentId", idempotencyKey)
                .put("refundIdempotencyKey", refundKey)
                .put("refundedAt", EventContract.timestamp(refundedAt));
        return event(order.orderId(), EventContract.Payment.REFUNDED, payload);
    }

    private static ObjectNode common(OrderToPay order) {
        return common(order, VERSION);
    }

    private static ObjectNode common(OrderToPay order, int version) {
        return JSON.createObjectNode()
                .put("orderId", order.orderId().toString())
                .put("customerId", order.customerId().toString())
                .put("version", version)
                .put("amount", EventContract.amount(order.amount()))
                .put("currency", order.currency());
    }

    private static NewEvent event(UUID orderId, String eventType, ObjectNode payload) {
        try {
            return new NewEvent(UUID.randomUUID(), EventContract.Payment.AGGREGATE_TYPE, orderId.toString(), eventType,
                    JSON.writeValueAsString(payload), null, null);
        } catch (JsonProcessingException e) {
            // a tree of strings and numbers always serialises
            throw new IllegalStateException("cannot serialise " + eventType + " payload", e);
        }
    }
}
