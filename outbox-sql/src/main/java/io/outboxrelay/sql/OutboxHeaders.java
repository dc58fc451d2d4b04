package io.outboxrelay.sql;

/**
 * How an outbox row's columns appear as Kafka headers on the record the relay writes: the one
 * definition the relay (which writes them) and the consumers (which read them) share.
 */
public final class OutboxHeaders {

    /** event_id (UUID text); consumers deduplicate on it. */
    public static final String EVENT_ID = "eventId";
    /** event_type. */
    public static final String EVENT_TYPE = "eventType";
    /** aggregate_type. */
    public static final String AGGREGATE_TYPE = "aggregateType";
    /** occurred_at, ISO-8601 with offset. */
    public static final String OCCURRED_AT = "occurredAt";
    /** On dead-letter records, of the relay or of a consumer: why the record could not be handled. */
    public static final String DLQ_REASON = "dlqReason";

    private OutboxHeaders() {
    }
}
