package io.outboxrelay.consumers.payment;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.outboxrelay.legacy.OutboxWriter.NewEvent;
import io.outboxrelay.legacy.order.OrderEvents;

/**
 * The outbox events of the {@value #AGGREGATE_TYPE} aggregate, as docs/events.md defines them. Like
 * {@link OrderEvents}, payloads are built field by field so a renamed Java field cannot change the
 * wire format; amounts and timestamps are formatted by the same methods as the order events.
 */
public final class PaymentEvents {

    /** The outbox aggregate_type, hence the topic {@code outbox.Payment}; the aggregate id is the order id. */
    public static final String AGGREGATE_TYPE = "Payment";
    public static final String PAYMENT_COMPLETED = "PaymentCompleted";
    public static final String PAYMENT_FAILED = "PaymentFailed";
    public static final String CREDIT_REJECTED = "CreditRejected";
    /** The customer paid what a completed payment reserved: the credit is free again. */
    public static final String PAYMENT_SETTLED = "PaymentSettled";
    /** A completed payment was given back because its order was cancelled. */
    public static final String PAYMENT_REFUNDED = "PaymentRefunded";
    /** A payment has exactly one outcome, so each of these events is its aggregate's first. */
    static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    private PaymentEvents() {
    }

    static NewEvent completed(OrderToPay order, String idempotencyKey, Instant completedAt) {
        ObjectNode payload = common(order)
                .put("paymentId", idempotencyKey)
                .put("idempotencyKey", idempotencyKey)
                .put("completedAt", OrderEvents.timestamp(completedAt));
        return event(order.orderId(), PAYMENT_COMPLETED, payload);
    }

    static NewEvent failed(OrderToPay order, String idempotencyKey, String reason, Instant failedAt) {
        ObjectNode payload = common(order)
                .put("paymentId", idempotencyKey)
                .put("idempotencyKey", idempotencyKey)
                .put("reason", reason)
                .put("failedAt", OrderEvents.timestamp(failedAt));
        return event(order.orderId(), PAYMENT_FAILED, payload);
    }

    /** @param reserved what the customer had reserved before this order, which did not fit on top of it */
    static NewEvent creditRejected(OrderToPay order, BigDecimal creditLimit, BigDecimal reserved, String reason,
                                   Instant rejectedAt) {
        ObjectNode payload = common(order)
                .put("creditLimit", OrderEvents.amount(creditLimit))
                .put("reserved", OrderEvents.amount(reserved))
                .put("reason", reason)
                .put("rejectedAt", OrderEvents.timestamp(rejectedAt));
        return event(order.orderId(), CREDIT_REJECTED, payload);
    }

    /** The second event of a completed payment, unless a refund came first. */
    static NewEvent settled(OrderToPay order, String idempotencyKey, Instant settledAt) {
        ObjectNode payload = common(order, VERSION + 1)
                .put("paymentId", idempotencyKey)
                .put("settledAt", OrderEvents.timestamp(settledAt));
        return event(order.orderId(), PAYMENT_SETTLED, payload);
    }

    /** @param afterSettlement the payment was settled before: the version follows PaymentSettled's */
    static NewEvent refunded(OrderToPay order, String idempotencyKey, String refundKey, boolean afterSettlement,
                             Instant refundedAt) {
        ObjectNode payload = common(order, VERSION + (afterSettlement ? 2 : 1))
                .put("paymentId", idempotencyKey)
                .put("refundIdempotencyKey", refundKey)
                .put("refundedAt", OrderEvents.timestamp(refundedAt));
        return event(order.orderId(), PAYMENT_REFUNDED, payload);
    }

    private static ObjectNode common(OrderToPay order) {
        return common(order, VERSION);
    }

    private static ObjectNode common(OrderToPay order, int version) {
        return JSON.createObjectNode()
                .put("orderId", order.orderId().toString())
                .put("customerId", order.customerId().toString())
                .put("version", version)
                .put("amount", OrderEvents.amount(order.amount()))
                .put("currency", order.currency());
    }

    private static NewEvent event(UUID orderId, String eventType, ObjectNode payload) {
        try {
            return new NewEvent(UUID.randomUUID(), AGGREGATE_TYPE, orderId.toString(), eventType,
                    JSON.writeValueAsString(payload), null, null);
        } catch (JsonProcessingException e) {
            // a tree of strings and numbers always serialises
            throw new IllegalStateException("cannot serialise " + eventType + " payload", e);
        }
    }
}
