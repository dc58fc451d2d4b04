package io.outboxrelay.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.UUID;

/**
 * Writes outbox rows with the caller's connection, so they commit or roll back together with the
 * caller's business change. It never commits. By default it inserts into {@code outbox.event};
 * {@link Target#MESSAGES} calls {@code outbox.emit} instead (transactional logical decoding
 * messages, outbox-sql V6; the relay relays them with {@code outbox.messages=true}).
 */
public final class OutboxWriter {

    /** Where events go: rows of the outbox table, or logical decoding messages. */
    public enum Target { TABLE, MESSAGES }

    /** One event to write. trace and correlation ids are optional. */
    public record NewEvent(UUID eventId, String aggregateType, String aggregateId, String eventType, String payloadJson,
                           String traceId, String correlationId) {
    }

    private static final String INSERT = "INSERT INTO outbox.event"
            + " (event_id, aggregate_type, aggregate_id, event_type, payload, trace_id, correlation_id)"
            + " VALUES (?, ?, ?, ?, ?::jsonb, ?, ?)";

    /**
     * One call for the whole list: unnest yields the arrays' elements in order, so the messages are emitted (and,
     * at commit, decoded) in list order, as batched inserts would be.
     */
    private static final String EMIT = "SELECT outbox.emit(e.event_id, e.aggregate_type, e.aggregate_id, e.event_type,"
            + " e.payload, e.trace_id, e.correlation_id)"
            + " FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[]::jsonb[], ?::text[], ?::text[])"
            + " AS e(event_id, aggregate_type, aggregate_id, event_type, payload, trace_id, correlation_id)";

    private final Target target;

    /** Inserts into the outbox table. */
    public OutboxWriter() {
        this(Target.TABLE);
    }

    public OutboxWriter(Target target) {
        this.target = target;
    }

    /** Writes {@code events} in list order on the caller's transaction; nothing when the list is empty. */
    public void write(Connection connection, List<NewEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        if (target == Target.MESSAGES) {
            emit(connection, events);
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(INSERT)) {
            for (NewEvent e : events) {
                ps.setObject(1, e.eventId());
                ps.setString(2, e.aggregateType());
                ps.setString(3, e.aggregateId());
                ps.setString(4, e.eventType());
                ps.setString(5, e.payloadJson());
                setNullable(ps, 6, e.traceId());
                setNullable(ps, 7, e.correlationId());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void emit(Connection connection, List<NewEvent> events) throws SQLException {
        int n = events.size();
        String[][] columns = new String[7][n];
        for (int i = 0; i < n; i++) {
            NewEvent e = events.get(i);
            columns[0][i] = e.eventId() == null ? null : e.eventId().toString();
            columns[1][i] = e.aggregateType();
            columns[2][i] = e.aggregateId();
            columns[3][i] = e.eventType();
            columns[4][i] = e.payloadJson();
            columns[5][i] = e.traceId();
            columns[6][i] = e.correlationId();
        }
        try (PreparedStatement ps = connection.prepareStatement(EMIT)) {
            for (int c = 0; c < columns.length; c++) {
                ps.setArray(c + 1, connection.createArrayOf("text", columns[c]));
            }
            ps.executeQuery().close();
        }
    }

    private static void setNullable(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        }
        else {
            ps.setString(index, value);
        }
    }
}
