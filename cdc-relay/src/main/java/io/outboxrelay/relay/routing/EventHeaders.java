package io.outboxrelay.relay.routing;

import io.outboxrelay.sql.OutboxHeaders;

/** Names of the Kafka headers the relay writes ({@link OutboxHeaders}), plus its own dead-letter headers. */
public final class EventHeaders {

    /** The outbox row's event_id (UUID text); consumers deduplicate on it. */
    public static final String EVENT_ID = OutboxHeaders.EVENT_ID;
    /** The outbox row's event_type. */
    public static final String EVENT_TYPE = OutboxHeaders.EVENT_TYPE;
    /** The outbox row's aggregate_type. */
    public static final String AGGREGATE_TYPE = OutboxHeaders.AGGREGATE_TYPE;
    /** The outbox row's occurred_at, ISO-8601 with offset. */
    public static final String OCCURRED_AT = OutboxHeaders.OCCURRED_AT;
    /** On dead-letter records only: why the row could not be routed. */
    public static final String DLQ_REASON = OutboxHeaders.DLQ_REASON;
    /** On dead-letter records only: the table the row came from. */
    public static final String DLQ_SOURCE_TABLE = "dlqSourceTable";

    private EventHeaders() {
    }
}
