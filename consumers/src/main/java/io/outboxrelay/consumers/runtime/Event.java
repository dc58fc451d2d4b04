package io.outboxrelay.consumers.runtime;

import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One relayed event as a handler sees it: the relay's headers already checked (the event id is a
 * UUID, the event type is present) and the payload parsed into a JSON object.
 *
 * @param aggregateType the {@code aggregateType} header, or null when absent
 * @param aggregateId   the record key as UTF-8 text, or null when the record has no key
 * @param occurredAt    the {@code occurredAt} header as sent (ISO-8601), or null when absent
 * @param headers       every header as UTF-8 text (the last value where a name repeats)
 */
public record Event(UUID eventId, String eventType, String aggregateType, String aggregateId, String occurredAt,
                    JsonNode payload, Map<String, String> headers, String topic, int partition, long offset) {

    public Event {
        headers = Map.copyOf(headers);
    }

    /** Where the event was read, {@code topic-partition@offset}: for log lines and rejection messages. */
    public String source() {
        return topic + "-" + partition + "@" + offset;
    }
}
