package io.outboxrelay.consumers.payment;

import java.math.BigDecimal;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import io.outboxrelay.consumers.runtime.Payloads;
import io.outboxrelay.consumers.runtime.RejectedEventException;

/** The parts of an {@code OrderPlaced} payload the payment processor needs: who pays how much. */
record OrderToPay(UUID orderId, UUID customerId, BigDecimal amount, String currency) {

    /** @throws RejectedEventException when the payload breaks the contract */
    static OrderToPay from(JsonNode payload) {
        BigDecimal total = Payloads.amount(payload, "total");
        if (total.signum() < 0) {
            throw new RejectedEventException("payload field 'total' is negative: " + total);
        }
        return new OrderToPay(Payloads.uuid(payload, "orderId"), Payloads.uuid(payload, "customerId"), total,
                Payloads.currency(payload, "currency"));
    }
}
