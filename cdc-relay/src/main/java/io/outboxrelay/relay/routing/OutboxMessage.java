package io.outboxrelay.relay.routing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.connect.data.Struct;

import com.fasterxml.jackson.core.type.TypeReference;

import io.outboxrelay.sql.OutboxSchema;

/**
 * An outbox event written by {@code outbox.emit} (outbox-sql V6) as a transactional logical decoding message
 * with prefix {@value OutboxSchema#MESSAGE_PREFIX}: one line of JSON holding the outbox columns but the
 * payload, a newline, then the payload as PostgreSQL renders the jsonb. Only the small head is parsed; the
 * payload's bytes become the record's value as they are.
 *
 * <p>A message that is not transactional ({@code pg_logical_emit_message(false, ...)}, which PostgreSQL
 * decodes even when its transaction rolls back) or not in this format is not an outbox event:
 * {@link #problem()} says why, and the router dead-letters it.
 */
final class OutboxMessage implements OutboxEvent {

    private static final TypeReference<LinkedHashMap<String, Object>> HEAD = new TypeReference<>() {
    };
    private static final int CONTENT_CHARS_KEPT = 1000;

    private final Map<String, Object> head;
    private final byte[] payload;
    private final String problem;

    private OutboxMessage(Map<String, Object> head, byte[] payload, String problem) {
        this.head = head;
        this.payload = payload;
        this.problem = problem;
    }

    /**
     * @param envelope Debezium's record value for a logical decoding message (op {@code m})
     * @return the message, or null when its prefix is not the outbox's (someone else's message)
     */
    static OutboxMessage from(Struct envelope) {
        Struct message = envelope.getStruct("message");
        if (message == null || !OutboxSchema.MESSAGE_PREFIX.equals(message.getString("prefix"))) {
            return null;
        }
        Object raw = message.get("content");
        byte[] content = raw instanceof ByteBuffer buffer ? bytes(buffer) : raw instanceof byte[] b ? b : null;
        if (content == null) {
            return malformed(String.valueOf(raw), "content is not bytes (leave debezium.binary.handling.mode at bytes)");
        }
        if (!transactional(envelope)) {
            return parse(content, "logical decoding message is not transactional (pg_logical_emit_message(false, ...)"
                    + " is decoded even when its transaction rolls back): write events with outbox.emit");
        }
        return parse(content, null);
    }

    private static OutboxMessage parse(byte[] content, String problem) {
        int newline = indexOf(content, (byte) '\n');
        if (newline < 0) {
            return malformed(utf8(content), "logical decoding message with prefix '" + OutboxSchema.MESSAGE_PREFIX
                    + "' is not an outbox event (no newline between its JSON head and its payload): write events with outbox.emit");
        }
        Map<String, Object> head;
        try {
            head = Json.MAPPER.readValue(content, 0, newline, HEAD);
        }
        catch (IOException e) {
            return malformed(utf8(content), "logical decoding message with prefix '" + OutboxSchema.MESSAGE_PREFIX
                    + "' is not an outbox event (its first line is not a JSON object): write events with outbox.emit");
        }
        if (head == null) {
            return malformed(utf8(content), "logical decoding message with prefix '" + OutboxSchema.MESSAGE_PREFIX
                    + "' is not an outbox event (its first line is not a JSON object): write events with outbox.emit");
        }
        return new OutboxMessage(head, Arrays.copyOfRange(content, newline + 1, content.length), problem);
    }

    /** Transactional messages carry their transaction's id; PostgreSQL sends none for the others. */
    private static boolean transactional(Struct envelope) {
        if (envelope.schema().field("source") == null || envelope.getStruct("source") == null) {
            return true;
        }
        Struct source = envelope.getStruct("source");
        return source.schema().field("txId") == null || source.get("txId") != null;
    }

    private static OutboxMessage malformed(String content, String problem) {
        Map<String, Object> columns = new LinkedHashMap<>();
        columns.put("content", content.length() > CONTENT_CHARS_KEPT ? content.substring(0, CONTENT_CHARS_KEPT) + "..." : content);
        return new OutboxMessage(columns, null, problem);
    }

    @Override
    public String text(String column) {
        Object value = head.get(column);
        return value == null ? null : value.toString();
    }

    @Override
    public byte[] payload() {
        return payload;
    }

    @Override
    public String payloadProblem() {
        return Json.problem(payload);
    }

    @Override
    public String problem() {
        return problem;
    }

    @Override
    public Map<String, Object> columns() {
        Map<String, Object> columns = new LinkedHashMap<>(head);
        if (payload != null) {
            columns.put("payload", utf8(payload));
        }
        return columns;
    }

    @Override
    public String source() {
        return "message:" + OutboxSchema.MESSAGE_PREFIX;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static int indexOf(byte[] content, byte b) {
        for (int i = 0; i < content.length; i++) {
            if (content[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
