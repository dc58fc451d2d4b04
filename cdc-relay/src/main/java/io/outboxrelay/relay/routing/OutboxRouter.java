package io.outboxrelay.relay.routing;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Turns one Debezium change record of the outbox table into the Kafka record to send: topic from
 * the aggregate type, key = aggregate id, value = payload as written, headers from the row.
 *
 * <p>A row that cannot be routed (missing aggregate id or type, event type or payload, or an
 * aggregate type that makes an illegal topic name) becomes a dead-letter record carrying the whole
 * row as JSON and the reason: it is never dropped and never blocks the rows after it.
 */
public final class OutboxRouter {

    static final String AGGREGATE_TYPE_PLACEHOLDER = "${aggregateType}";
    private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final ObjectMapper JSON = new ObjectMapper();

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
     *         heartbeat, or an update or delete which the publication normally filters out)
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
                : null;
        String topic = problem == null ? topicFor(aggregateType) : null;
        if (problem == null && !isLegalTopic(topic)) {
            problem = "aggregate_type '" + aggregateType + "' gives topic '" + topic
                    + "', which is not a legal Kafka topic name (letters, digits, '.', '_', '-'; at most 249)";
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
        return deadLetter(columns, text(row, "aggregate_id"), sourceTable(envelope), reason);
    }

    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    String topicFor(String aggregateType) {
        return topicPattern.replace(AGGREGATE_TYPE_PLACEHOLDER, aggregateType);
    }

    static boolean isLegalTopic(String topic) {
        return LEGAL_TOPIC.matcher(topic).matches() && !topic.equals(".") && !topic.equals("..");
    }

    private ProducerRecord<byte[], byte[]> deadLetter(Struct row, String table, String reason) {
        return deadLetter(columns(row), text(row, "aggregate_id"), table, reason);
    }

    private ProducerRecord<byte[], byte[]> deadLetter(Map<String, Object> columns, String aggregateId, String table,
                                                      String reason) {
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
        byte[] key = aggregateId == null ? null : utf8(aggregateId);
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
