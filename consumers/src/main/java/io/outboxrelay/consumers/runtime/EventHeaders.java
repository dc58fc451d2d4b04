package io.outboxrelay.consumers.runtime;

/**
 * Kafka header names: the first four are the relay's contract (docs/events.md), copied from
 * cdc-relay's {@code EventHeaders} so that consumers do not depend on the relay; the {@code dlq*}
 * ones are written by this runtime on dead-letter records.
 */
public final class EventHeaders {

    /** The outbox row's event_id (UUID text): the deduplication key. */
    public static final String EVENT_ID = "eventId";
    /** The outbox row's event_type. */
    public static final String EVENT_TYPE = "eventType";
    /** The outbox row's aggregate_type. */
    public static final String AGGREGATE_TYPE = "aggregateType";
    /** The outbox row's occurred_at, ISO-8601 with offset. */
    public static final String OCCURRED_AT = "occurredAt";

    /** On dead-letter records: why the consumer could not handle the record. Same name as the relay's. */
    public static final String DLQ_REASON = "dlqReason";
    /** On dead-letter records: the topic the record was read from. */
    public static final String DLQ_ORIGINAL_TOPIC = "dlqOriginalTopic";
    /** On dead-letter records: its partition (decimal text). */
    public static final String DLQ_ORIGINAL_PARTITION = "dlqOriginalPartition";
    /** On dead-letter records: its offset (decimal text). */
    public static final String DLQ_ORIGINAL_OFFSET = "dlqOriginalOffset";
    /** On dead-letter records: the consumer group that gave up on it. */
    public static final String DLQ_CONSUMER_GROUP = "dlqConsumerGroup";

    private EventHeaders() {
    }
}
