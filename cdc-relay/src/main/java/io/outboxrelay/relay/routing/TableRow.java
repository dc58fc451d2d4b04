package io.outboxrelay.relay.routing;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

/** An inserted row of the outbox table, from Debezium's change record (the envelope's {@code after}). */
final class TableRow implements OutboxEvent {

    /** Debezium's schema name for a jsonb or json column: PostgreSQL has already checked the JSON. */
    private static final String JSON_SCHEMA = "io.debezium.data.Json";

    private final Struct row;
    private final String table;

    TableRow(Struct row, String table) {
        this.row = row;
        this.table = table;
    }

    @Override
    public String text(String column) {
        Field field = row.schema().field(column);
        if (field == null) {
            return null;
        }
        Object value = row.get(field); // by field: one lookup, not two
        return value == null ? null : value.toString();
    }

    @Override
    public byte[] payload() {
        String payload = text("payload");
        return payload == null ? null : payload.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String payloadProblem() {
        if (JSON_SCHEMA.equals(row.schema().field("payload").schema().name())) {
            return null;
        }
        return Json.problem(text("payload"));
    }

    @Override
    public String problem() {
        return null;
    }

    @Override
    public Map<String, Object> columns() {
        Map<String, Object> columns = new LinkedHashMap<>();
        for (Field field : row.schema().fields()) {
            Object value = row.get(field);
            columns.put(field.name(), value instanceof byte[] ? null : value);
        }
        return columns;
    }

    @Override
    public String source() {
        return table;
    }
}
