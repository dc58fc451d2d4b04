package io.outboxrelay.relay.routing;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.sql.OutboxSchema;

/**
 * Turns one Debezium change record of the outbox table into the Kafka record to send: topic from
 * the aggregate type, key = aggregate id, value = payload as written, headers from the row.
 *
 * <p>A row that cannot be routed (missing aggregate id or type, event type or payload, a payload in a
 * text column that is not JSON, or an aggregate type that makes an illegal topic name) becomes a
 * dead-letter record carrying the whole row as JSON and the reason: it is never dropped and never
 * blocks the rows after it.
 *
 * <p>Rows of the heartbeat table ({@link OutboxSchema#HEARTBEAT_TABLE}) are only there to move the
 * slot's position: they are never sent.
 */
public final class OutboxRouter {

    static final String AGGREGATE_TYPE_PLACEHOLDER = "${aggregateType}";
    private static final int MAX_TOPIC_LENGTH = 249;
    private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1," + MAX_TOPIC_LENGTH + "}");
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** Debezium's schema name for a jsonb or json column: PostgreSQL has already checked the JSON. */
    private static final String JSON_SCHEMA = "io.debezium.data.Json";

    private final String topicPattern;
    private final String deadLetterTopic;
    private final Map<String, String> headerColumns;

    public OutboxRouter(String topicPattern, String deadLetterTopic, Map<String, String> headerColumns) {
        this.topicPattern = topicPattern;
        this.deadLetterTopic = deadLetterTopic;
        this.headerColumns = Map.copyOf(headerColumns);
    }

    /**
     * @return the record to send, or null when the change is not an outbox insert (a Debezium
     *         heartbeat, a heartbeat row, or an update or delete which the publication normally filters out)
     */
    public ProducerRecord<byte[], byte[]> route(SourceRecord change) {
        if (!(change.value() instanceof Struct envelope) || envelope.schema().field("op") == null) {
            return null;
        }
        String op = envelope.getString("op");
        if (!"c".equals(op) && !"r".equals(op)) {
            return null;
        }
        Struct row = envelope.getStruct("after");
        String table = sourceTable(envelope);
        if (table.equals(OutboxSchema.HEARTBEAT_TABLE)) {
            return null;
        }
        String eventId = text(row, "event_id");
        String aggregateType = text(row, "aggregate_type");
        String aggregateId = text(row, "aggregate_id");
        String eventType = text(row, "event_type");
        String payload = text(row, "payload");

        String problem = eventId == null ? "event_id is null"
                : aggregateId == null || aggregateId.isEmpty() ? "aggregate_id is null or empty"
                : aggregateType == null || aggregateType.isEmpty() ? "aggregate_type is null or empty"
                : eventType == null || eventType.isEmpty() ? "event_type is null or empty"
                : payload == null ? "payload is null"
                : notJson(row, payload);
        String topic = problem == null ? topicFor(aggregateType) : null;
        if (problem == null && !isLegalTopic(topic)) {
            problem = topic.length() > MAX_TOPIC_LENGTH
                    ? "aggregate_type of " + aggregateType.length() + " characters gives a topic name of " + topic.length()
                            + " characters ('" + topic.substring(0, 40) + "...'), which is not a legal Kafka topic name (at most "
                            + MAX_TOPIC_LENGTH + ")"
                    : "aggregate_type '" + aggregateType + "' gives topic '" + topic
                            + "', which is not a legal Kafka topic name (letters, digits, '.', '_', '-'; at most " + MAX_TOPIC_LENGTH + ")";
        }
        if (problem != null) {
            return deadLetter(row, table, problem);
        }

        RecordHeaders headers = new RecordHeaders();
        headers.add(EventHeaders.EVENT_ID, utf8(eventId));
        headers.add(EventHeaders.EVENT_TYPE, utf8(eventType));
        headers.add(EventHeaders.AGGREGATE_TYPE, utf8(aggregateType));
        String occurredAt = text(row, "occurred_at");
        if (occurredAt != null) {
            headers.add(EventHeaders.OCCURRED_AT, utf8(occurredAt));
        }
        headerColumns.forEach((column, header) -> {
            String value = text(row, column);
            if (value != null) {
                headers.add(header, utf8(value));
            }
        });
        return new ProducerRecord<>(topic, null, null, utf8(aggregateId), utf8(payload), headers);
    }

    /** A dead-letter record for a row whose send Kafka refused for good (too large, say). */
    public ProducerRecord<byte[], byte[]> deadLetter(SourceRecord change, String reason) {
        Struct envelope = (Struct) change.value();
        Struct row = envelope.getStruct("after");
        // the payload may be what made Kafka refuse it: keep the row's identity, drop the payload
        Map<String, Object> columns = columns(row);
        Object payload = columns.remove("payload");
        columns.put("payload_chars", payload == null ? 0 : payload.toString().length());
        return deadLetter(columns, sourceTable(envelope), reason);
    }

    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    /** @return why a payload from a column that is not json/jsonb is not JSON, or null if it is */
    private static String notJson(Struct row, String payload) {
        if (JSON_SCHEMA.equals(row.schema().field("payload").schema().name())) {
            return null;
        }
        try {
            JSON.readTree(payload);
            return null;
        }
        catch (JsonProcessingException e) {
            // Jackson's message goes on about its own configuration after these markers
            String message = e.getOriginalMessage().replace('\n', ' ');
            for (String tail : List.of(" (start marker", " (bound as", ": not allowed")) {
                int at = message.indexOf(tail);
                message = at < 0 ? message : message.substring(0, at);
            }
            return "payload is not valid JSON (" + message + " at character "
                    + (e.getLocation() == null ? "?" : e.getLocation().getCharOffset()) + ")";
        }
    }

    String topicFor(String aggregateType) {
        return topicPattern.replace(AGGREGATE_TYPE_PLACEHOLDER, aggregateType);
    }

    static boolean isLegalTopic(String topic) {
        return LEGAL_TOPIC.matcher(topic).matches() && !topic.equals(".") && !topic.equals("..");
    }

    private ProducerRecord<byte[], byte[]> deadLetter(Struct row, String table, String reason) {
        return deadLetter(columns(row), table, reason);
    }

    private ProducerRecord<byte[], byte[]> deadLetter(Map<String, Object> columns, String table, String reason) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(EventHeaders.DLQ_REASON, utf8(reason));
        headers.add(EventHeaders.DLQ_SOURCE_TABLE, utf8(table));
        Object eventId = columns.get("event_id");
        if (eventId != null) {
            headers.add(EventHeaders.EVENT_ID, utf8(eventId.toString()));
        }
        byte[] value;
        try {
            value = JSON.writeValueAsBytes(columns);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render outbox row as JSON", e);
        }
        // dead letters of one aggregate stay in order; without an aggregate id the event id keeps them apart (and
        // gives a compacted dead-letter topic the key it requires)
        Object aggregateId = columns.get("aggregate_id");
        Object keyValue = aggregateId != null && !aggregateId.toString().isEmpty() ? aggregateId : eventId;
        byte[] key = keyValue == null ? null : utf8(keyValue.toString());
        return new ProducerRecord<>(deadLetterTopic, null, null, key, value, headers);
    }

    private static Map<String, Object> columns(Struct row) {
        Map<String, Object> columns = new LinkedHashMap<>();
        for (Field field : row.schema().fields()) {
            Object value = row.get(field);
            columns.put(field.name(), value instanceof byte[] ? null : value);
        }
        return columns;
    }

    private static String sourceTable(Struct envelope) {
        Field source = envelope.schema().field("source");
        if (source == null) {
            return "unknown";
        }
        Struct s = envelope.getStruct("source");
        return s.getString("schema") + "." + s.getString("table");
    }

    private static String text(Struct row, String column) {
        if (row.schema().field(column) == null) {
            return null;
        }
        Object value = row.get(column);
        return value == null ? null : value.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
