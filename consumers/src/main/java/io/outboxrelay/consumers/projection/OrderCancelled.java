package io.outboxrelay.consumers.projection;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import io.outboxrelay.consumers.runtime.Payloads;
import io.outboxrelay.consumers.runtime.RejectedEventException;

/** The parts of an {@code OrderCancelled} payload the read model keeps; the reason may be absent. */
record OrderCancelled(UUID orderId, int version, String reason, Instant cancelledAt) {

    /** @throws RejectedEventException when the payload breaks the contract */
    static OrderCancelled from(JsonNode payload) {
        return new OrderCancelled(Payloads.uuid(payload, "orderId"), Payloads.version(payload),
                Payloads.optionalText(payload, "reason"), Payloads.instant(payload, "cancelledAt"));
    }
}
