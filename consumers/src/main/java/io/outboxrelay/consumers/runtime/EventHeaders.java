package io.outboxrelay.consumers.runtime;

import io.outboxrelay.sql.OutboxHeaders;

/**
 * Kafka header names: the first four are the relay's contract (docs/events.md), defined once in
 * outbox-sql's {@link OutboxHeaders}, which the relay writes by; the {@code dlq*}
 * ones are written by this runtime on dead-letter records.
 */
public final class EventHeaders {

    /** The outbox row's event_id (UUID text): the deduplication key. */
    public static final String EVENT_ID = OutboxHeaders.EVENT_ID;
    /** The outbox row's event_type. */
    public static final String EVENT_TYPE = OutboxHeaders.EVENT_TYPE;
    /** The outbox row's aggregate_type. */
    public static final String AGGREGATE_TYPE = OutboxHeaders.AGGREGATE_TYPE;
    /** The outbox row's occurred_at, ISO-8601 with offset. */
    public static final String OCCURRED_AT = OutboxHeaders.OCCURRED_AT;

    /** On dead-letter records: why the consumer could not handle the record. Same name as the relay's. */
    public static final String DLQ_REASON = OutboxHeaders.DLQ_REASON;
    /** On dead-letter records: the topic the record was read from. */
    public static final String DLQ_ORIGINAL_TOPIC = "dlqOriginalTopic";
    /** On dead-letter records: its partition (decimal text). */
    public static final String DLQ_ORIGINAL_PARTITION = "dlqOriginalPartition";
    /** On dead-letter records: its offset (decimal text). */
    public static final String DLQ_ORIGINAL_OFFSET = "dlqOriginalOffset";
    /** On dead-letter records: the consumer group that gave up on it. */
    public static final String DLQ_CONSUMER_GROUP = "dlqConsumerGroup";
    /**
     * On dead-letter records sent without the original value because the dead-letter topic could not
     * take it: the value's size in bytes (decimal text). Read the original at its topic and offset.
     */
    public static final String DLQ_VALUE_DROPPED_BYTES = "dlqValueDroppedBytes";
    /**
     * On dead-letter records still too large without the value, and so sent without the original key
     * too: the key's size in bytes (decimal text).
     */
    public static final String DLQ_KEY_DROPPED_BYTES = "dlqKeyDroppedBytes";
    /**
     * On dead-letter records sent without the original key for the same reason: how many of the
     * original headers were left out, being large or too many (decimal text); the others are kept, in order.
     */
    public static final String DLQ_HEADERS_DROPPED = "dlqHeadersDropped";

    private EventHeaders() {
    }
}
