package io.outboxrelay.sql;

/**
 * The Kafka header names of the event contract (docs/events.md): how an outbox row's columns appear on the record
 * the relay writes, and what the relay's and the consumers' dead-letter records add. The one definition the relay
 * (which writes them) and the consumers (which read them and write their own dead letters) share.
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

    /** On the relay's dead-letter records: the table the row came from. */
    public static final String DLQ_SOURCE_TABLE = "dlqSourceTable";

    /** On a consumer's dead-letter records: the topic the record was read from. */
    public static final String DLQ_ORIGINAL_TOPIC = "dlqOriginalTopic";
    /** On a consumer's dead-letter records: its partition (decimal text). */
    public static final String DLQ_ORIGINAL_PARTITION = "dlqOriginalPartition";
    /** On a consumer's dead-letter records: its offset (decimal text). */
    public static final String DLQ_ORIGINAL_OFFSET = "dlqOriginalOffset";
    /** On a consumer's dead-letter records: the consumer group that gave up on it. */
    public static final String DLQ_CONSUMER_GROUP = "dlqConsumerGroup";
    /**
     * On a consumer's dead-letter records sent without the original value because the dead-letter topic could not
     * take it: the value's size in bytes (decimal text). Read the original at its topic and offset.
     */
    public static final String DLQ_VALUE_DROPPED_BYTES = "dlqValueDroppedBytes";
    /**
     * On a consumer's dead-letter records still too large without the value, and so sent without the original key
     * too: the key's size in bytes (decimal text).
     */
    public static final String DLQ_KEY_DROPPED_BYTES = "dlqKeyDroppedBytes";
    /**
     * On a consumer's dead-letter records sent without the original key for the same reason: how many of the
     * original headers were left out, being large or too many (decimal text); the others are kept, in order.
     */
    public static final String DLQ_HEADERS_DROPPED = "dlqHeadersDropped";

    private OutboxHeaders() {
    }
}
