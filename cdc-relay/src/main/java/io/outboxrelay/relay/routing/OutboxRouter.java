package io.outboxrelay.relay.routing;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.outboxrelay.sql.OutboxHeaders;
import io.outboxrelay.sql.OutboxSchema;
import io.outboxrelay.sql.TopicNames;

/**
 * Turns one Debezium change record of the outbox table into the Kafka record to send: topic from
 * the aggregate type, key = aggregate id, value = payload as written, headers from the row. With
 * {@code messages} on, an outbox event written as a logical decoding message ({@link OutboxMessage},
 * {@code outbox.emit}) is routed by the same rules into the same record.
 *
 * <p>A row that cannot be routed (missing aggregate id or type, event type or payload, a payload in a
 * text column that is not JSON, or an aggregate type that makes an illegal topic name) becomes a
 * dead-letter record carrying the whole row as JSON and the reason: it is never dropped and never
 * blocks the rows after it. So does a message with the outbox's prefix that is not an outbox event.
 *
 * <p>Rows of the heartbeat table ({@link OutboxSchema#HEARTBEAT_TABLE}) are only there to move the
 * slot's position: they are never sent. Nor are messages with another prefix, nor any message with
 * {@code messages} off.
 */
public final class OutboxRouter {


    /** Most aggregate types whose topic is remembered: a few in practice; a stream of distinct ones is not cached. */
    private static final int MAX_REMEMBERED_TOPICS = 10_000;
    /** Kafka's own topics start so ({@code __consumer_offsets}, {@code __transaction_state}, ...). */
    private static final String INTERNAL_PREFIX = "__";
    /** Longest text a shrunk dead letter keeps of a column (and of its key). */
    static final int SHRUNK_CHARS = 1_000;

    private final String topicPattern;
    /** Aggregate type -> its legal topic name, so that each event does not build and check the name again. */
    private final Map<String, String> legalTopics = new ConcurrentHashMap<>();
    private final String deadLetterTopic;
    private final String offsetTopic;
    private final Map<String, String> headerColumns;
    private final boolean messages;

    /** A router of table rows only. */
    public OutboxRouter(String topicPattern, String deadLetterTopic, Map<String, String> headerColumns) {
        this(topicPattern, deadLetterTopic, headerColumns, false);
    }

    /** @param messages also route outbox events written as logical decoding messages */
    public OutboxRouter(String topicPattern, String deadLetterTopic, Map<String, String> headerColumns, boolean messages) {
        this(topicPattern, deadLetterTopic, headerColumns, messages, null);
    }

    /**
     * @param messages    also route outbox events written as logical decoding messages
     * @param offsetTopic the relay's offset topic, which no aggregate type may route into (null: none to protect)
     */
    public OutboxRouter(String topicPattern, String deadLetterTopic, Map<String, String> headerColumns, boolean messages,
                        String offsetTopic) {
        this.topicPattern = topicPattern;
        this.deadLetterTopic = deadLetterTopic;
        this.offsetTopic = offsetTopic;
        this.headerColumns = Map.copyOf(headerColumns);
        this.messages = messages;
    }

    /**
     * @return the record to send, or null when the change is not an outbox event (a Debezium heartbeat, a
     *         heartbeat row, an update or delete which the publication normally filters out, a message not ours)
     */
    public ProducerRecord<byte[], byte[]> route(SourceRecord change) {
        OutboxEvent event = event(change);
        return event == null ? null : route(event);
    }

    private OutboxEvent event(SourceRecord change) {
        if (!(change.value() instanceof Struct envelope) || envelope.schema().field("op") == null) {
            return null;
        }
        String op = envelope.getString("op");
        if ("m".equals(op)) {
            return messages ? OutboxMessage.from(envelope) : null;
        }
        if (!"c".equals(op) && !"r".equals(op)) {
            return null;
        }
        String table = sourceTable(envelope);
        if (table.equals(OutboxSchema.HEARTBEAT_TABLE)) {
            return null;
        }
        return new TableRow(envelope.getStruct("after"), table);
    }

    private ProducerRecord<byte[], byte[]> route(OutboxEvent row) {
        String eventId = row.text("event_id");
        String aggregateType = row.text("aggregate_type");
        String aggregateId = row.text("aggregate_id");
        String eventType = row.text("event_type");
        byte[] payload = row.payload();

        String problem = row.problem() != null ? row.problem()
                : eventId == null ? "event_id is null"
                : aggregateId == null || aggregateId.isEmpty() ? "aggregate_id is null or empty"
                : aggregateType == null || aggregateType.isEmpty() ? "aggregate_type is null or empty"
                : eventType == null || eventType.isEmpty() ? "event_type is null or empty"
                : payload == null ? "payload is null"
                : row.payloadProblem();
        String topic = problem == null ? legalTopics.get(aggregateType) : null;
        if (problem == null && topic == null) {
            topic = topicFor(aggregateType);
            problem = topicProblem(aggregateType, topic);
            if (problem == null && legalTopics.size() < MAX_REMEMBERED_TOPICS) {
                legalTopics.put(aggregateType, topic);
            }
        }
        if (problem != null) {
            return deadLetter(row.columns(), row.source(), problem);
        }

        RecordHeaders headers = new RecordHeaders();
        headers.add(OutboxHeaders.EVENT_ID, utf8(eventId));
        headers.add(OutboxHeaders.EVENT_TYPE, utf8(eventType));
        headers.add(OutboxHeaders.AGGREGATE_TYPE, utf8(aggregateType));
        String occurredAt = row.text("occurred_at");
        if (occurredAt != null) {
            headers.add(OutboxHeaders.OCCURRED_AT, utf8(occurredAt));
        }
        headerColumns.forEach((column, header) -> {
            String value = row.text(column);
            if (value != null) {
                headers.add(header, utf8(value));
            }
        });
        return new ProducerRecord<>(topic, null, null, utf8(aggregateId), payload, headers);
    }

    /** Why {@code topic}, made from {@code aggregateType}, must not be sent to, or null when it may. */
    private String topicProblem(String aggregateType, String topic) {
        if (!TopicNames.isLegal(topic)) {
            return topic.length() > TopicNames.MAX_LENGTH
                    ? "aggregate_type of " + aggregateType.length() + " characters gives a topic name of " + topic.length()
                            + " characters ('" + topic.substring(0, 40) + "...'), which is not a legal Kafka topic name (at most "
                            + TopicNames.MAX_LENGTH + ")"
                    : "aggregate_type '" + aggregateType + "' gives topic '" + topic
                            + "', which is not a legal Kafka topic name (" + TopicNames.CHARACTERS + ")";
        }
        String reserved = topic.equals(deadLetterTopic) ? "the relay's dead-letter topic"
                : topic.equals(offsetTopic) ? "the relay's offset topic"
                : topic.startsWith(INTERNAL_PREFIX) ? "reserved for Kafka's internal topics (names starting with '__')"
                : null;
        return reserved == null ? null
                : "aggregate_type '" + aggregateType + "' gives topic '" + topic + "', which is " + reserved;
    }

    /** A dead-letter record of the whole row, for an event whose topic or record Kafka refused for good. */
    public ProducerRecord<byte[], byte[]> deadLetter(SourceRecord change, String reason) {
        OutboxEvent event = event(change);
        return deadLetter(event.columns(), event.source(), reason);
    }

    /**
     * A dead-letter record that fits whatever the row holds, for a row too large for Kafka: the payload left out
     * (its length kept), every other column and the key cut to {@value #SHRUNK_CHARS} characters.
     */
    public ProducerRecord<byte[], byte[]> shrunkDeadLetter(SourceRecord change, String reason) {
        OutboxEvent event = event(change);
        Map<String, Object> columns = event.columns();
        Object payload = columns.remove("payload");
        columns.put("payload_chars", payload == null ? 0 : payload.toString().length());
        columns.replaceAll((column, value) -> value instanceof String text && text.length() > SHRUNK_CHARS
                ? text.substring(0, SHRUNK_CHARS) + "... (" + text.length() + " characters)" : value);
        return deadLetter(columns, event.source(), reason.length() > SHRUNK_CHARS ? reason.substring(0, SHRUNK_CHARS) + "..." : reason);
    }

    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    String topicFor(String aggregateType) {
        return TopicNames.forAggregateType(topicPattern, aggregateType);
    }

    private ProducerRecord<byte[], byte[]> deadLetter(Map<String, Object> columns, String source, String reason) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(OutboxHeaders.DLQ_REASON, utf8(reason));
        headers.add(OutboxHeaders.DLQ_SOURCE_TABLE, utf8(source));
        Object eventId = columns.get("event_id");
        if (eventId != null) {
            headers.add(OutboxHeaders.EVENT_ID, utf8(eventId.toString()));
        }
        byte[] value;
        try {
            value = Json.MAPPER.writeValueAsBytes(columns);
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

    private static String sourceTable(Struct envelope) {
        Field source = envelope.schema().field("source");
        if (source == null) {
            return "unknown";
        }
        Struct s = envelope.getStruct("source");
        return s.getString("schema") + "." + s.getString("table");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
