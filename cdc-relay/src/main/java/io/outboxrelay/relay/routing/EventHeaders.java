package io.outboxrelay.relay.routing;

/** Names of the Kafka headers the relay writes: the contract with consumers. */
public final class EventHeaders {

    /** The outbox row's event_id (UUID text); consumers deduplicate on it. */
    public static final String EVENT_ID = "eventId";
    /** The outbox row's event_type. */
    public static final String EVENT_TYPE = "eventType";
    /** The outbox row's aggregate_type. */
    public static final String AGGREGATE_TYPE = "aggregateType";
    /** The outbox row's occurred_at, ISO-8601 with offset. */
    public static final String OCCURRED_AT = "occurredAt";
    /** On dead-letter records only: why the row could not be routed. */
    public static final String DLQ_REASON = "dlqReason";
    /** On dead-letter records only: the table the row came from. */
    public static final String DLQ_SOURCE_TABLE = "dlqSourceTable";

    private EventHeaders() {
    }
}
