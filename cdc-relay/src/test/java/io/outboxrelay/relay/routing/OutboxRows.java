package io.outboxrelay.relay.routing;

import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/** Change records shaped like the ones Debezium's Postgres connector emits for outbox.event. */
public final class OutboxRows {

    static final Schema ROW = SchemaBuilder.struct().name("outbox.event.Value")
            .field("event_id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("aggregate_type", Schema.OPTIONAL_STRING_SCHEMA)
            .field("aggregate_id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("event_type", Schema.OPTIONAL_STRING_SCHEMA)
            // as Debezium gives a jsonb column: a string named io.debezium.data.Json
            .field("payload", SchemaBuilder.string().name("io.debezium.data.Json").optional().build())
            .field("occurred_at", Schema.OPTIONAL_STRING_SCHEMA)
            .field("trace_id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("correlation_id", Schema.OPTIONAL_STRING_SCHEMA)
            .optional().build();
    /** The same row with a text payload column. */
    static final Schema TEXT_ROW = SchemaBuilder.struct().name("outbox.event.Value")
            .field("event_id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("aggregate_type", Schema.OPTIONAL_STRING_SCHEMA)
            .field("aggregate_id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("event_type", Schema.OPTIONAL_STRING_SCHEMA)
            .field("payload", Schema.OPTIONAL_STRING_SCHEMA)
            .optional().build();
    static final Schema SOURCE = SchemaBuilder.struct().field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA).field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();
    /** The commit time every change made here carries in source.ts_ms. */
    public static final long COMMITTED_AT_MILLIS = 1_700_000_000_000L;
    static final Schema ENVELOPE = SchemaBuilder.struct().name("outbox.event.Envelope")
            .field("before", ROW).field("after", ROW).field("source", SOURCE)
            .field("op", Schema.STRING_SCHEMA).build();

    private OutboxRows() {
    }

    /** An insert of a row with the given column values (absent columns are null). */
    public static SourceRecord insert(Map<String, String> columns) {
        return change("c", columns);
    }

    public static SourceRecord change(String op, Map<String, String> columns) {
        return change(op, columns, "event");
    }

    /** An insert into another table of schema outbox, with the same columns. */
    public static SourceRecord insertInto(String table, Map<String, String> columns) {
        return change("c", columns, table);
    }

    private static SourceRecord change(String op, Map<String, String> columns, String table) {
        Struct row = new Struct(ROW);
        columns.forEach(row::put);
        Struct envelope = new Struct(ENVELOPE).put("after", row).put("op", op)
                .put("source", new Struct(SOURCE).put("schema", "outbox").put("table", table)
                        .put("ts_ms", COMMITTED_AT_MILLIS));
        return new SourceRecord(Map.of("server", "test"), Map.of("lsn", 1L), "relay.outbox.event", null, envelope.schema(),
                envelope);
    }

    /** An insert of a row whose payload column is text, not jsonb. */
    public static SourceRecord insertWithTextPayload(Map<String, String> columns) {
        Schema envelopeSchema = SchemaBuilder.struct().name("outbox.text_event.Envelope")
                .field("before", TEXT_ROW).field("after", TEXT_ROW).field("source", SOURCE)
                .field("op", Schema.STRING_SCHEMA).build();
        Struct row = new Struct(TEXT_ROW);
        columns.forEach(row::put);
        Struct envelope = new Struct(envelopeSchema).put("after", row).put("op", "c")
                .put("source", new Struct(SOURCE).put("schema", "outbox").put("table", "text_event"));
        return new SourceRecord(Map.of("server", "test"), Map.of("lsn", 1L), "relay.outbox.text_event", null,
                envelopeSchema, envelope);
    }

    static final Schema MESSAGE_SOURCE = SchemaBuilder.struct().field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA).build();
    static final Schema MESSAGE_BLOCK = SchemaBuilder.struct().field("prefix", Schema.OPTIONAL_STRING_SCHEMA)
            .field("content", Schema.OPTIONAL_BYTES_SCHEMA).build();
    static final Schema MESSAGE_ENVELOPE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.MessageValue")
            .field("op", Schema.STRING_SCHEMA).field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
            .field("source", MESSAGE_SOURCE).field("message", MESSAGE_BLOCK).build();

    /** A logical decoding message as Debezium emits it (binary.handling.mode=bytes); txId null: not transactional. */
    public static SourceRecord message(String prefix, String content, Long txId) {
        Struct envelope = new Struct(MESSAGE_ENVELOPE).put("op", "m")
                .put("source", new Struct(MESSAGE_SOURCE).put("ts_ms", COMMITTED_AT_MILLIS).put("txId", txId))
                .put("message", new Struct(MESSAGE_BLOCK).put("prefix", prefix)
                        .put("content", java.nio.ByteBuffer.wrap(content.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        return new SourceRecord(Map.of("server", "test"), Map.of("lsn", 1L), "relay.message", null, envelope.schema(), envelope);
    }

    /** What outbox.emit writes for {@link #validRow}: the columns but the payload as JSON, a newline, the payload. */
    public static String emitted(String eventId, String aggregateId) {
        return "{\"event_id\" : \"" + eventId + "\", \"aggregate_type\" : \"Order\", \"aggregate_id\" : \"" + aggregateId
                + "\", \"event_type\" : \"OrderPlaced\", \"occurred_at\" : \"2026-11-27T10:15:30.123456Z\","
                + " \"trace_id\" : \"trace-abc\", \"correlation_id\" : null}\n{\"total\": 12.5}";
    }

    public static Map<String, String> validRow(String eventId, String aggregateId) {
        return Map.of("event_id", eventId, "aggregate_type", "Order", "aggregate_id", aggregateId,
                "event_type", "OrderPlaced", "payload", "{\"total\": 12.5}", "occurred_at", "2026-11-27T10:15:30.123456Z");
    }
}
