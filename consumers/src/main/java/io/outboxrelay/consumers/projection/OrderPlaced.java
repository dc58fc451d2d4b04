package io.outboxrelay.consumers.projection;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import io.outboxrelay.consumers.runtime.Payloads;
import io.outboxrelay.consumers.runtime.RejectedEventException;

/** The parts of an {@code OrderPlaced} payload the read model keeps. */
record OrderPlaced(UUID orderId, UUID customerId, int version, int lineCount, BigDecimal total, String currency,
                   Instant placedAt) {

    /** @throws RejectedEventException when the payload breaks the contract */
    static OrderPlaced from(JsonNode payload) {
        BigDecimal total = Payloads.amount(payload, "total");
        if (total.signum() < 0) {
            throw new RejectedEventException("payload field 'total' is negative: " + total);
        }
        return new OrderPlaced(Payloads.uuid(payload, "orderId"), Payloads.uuid(payload, "customerId"),
                Payloads.version(payload), Payloads.array(payload, "lines").size(), total,
                Payloads.currency(payload, "currency"), Payloads.instant(payload, "placedAt"));
    }
}
