package io.outboxrelay.relay.routing;

import java.util.Map;

/**
 * One outbox event as the router sees it, whichever way the application wrote it: a row of the outbox
 * table ({@link TableRow}) or a logical decoding message ({@link OutboxMessage}). The routing rules live
 * in {@link OutboxRouter} only.
 */
interface OutboxEvent {

    /** A column's value as text, or null when it is null or absent. */
    String text(String column);

    /** The payload as it goes into the record's value, or null. */
    byte[] payload();

    /** Why the (non-null) payload is not JSON, or null if it is. */
    String payloadProblem();

    /** Why this is not an outbox event at all (a malformed message), or null. */
    String problem();

    /** Every column with its value, for a dead-letter record. */
    Map<String, Object> columns();

    /** Where it came from, for the dead-letter header: {@code schema.table}, or {@code message:<prefix>}. */
    String source();
}
