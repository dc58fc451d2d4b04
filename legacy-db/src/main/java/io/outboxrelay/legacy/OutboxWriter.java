package io.outboxrelay.legacy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.UUID;

/**
 * Writes outbox rows with the caller's connection, so they commit or roll back together with the
 * caller's business change. It never commits.
 */
public final class OutboxWriter {

    /** One event to write. trace and correlation ids are optional. */
    public record NewEvent(UUID eventId, String aggregateType, String aggregateId, String eventType, String payloadJson,
                           String traceId, String correlationId) {
    }

    private static final String INSERT = "INSERT INTO outbox.event"
            + " (event_id, aggregate_type, aggregate_id, event_type, payload, trace_id, correlation_id)"
            + " VALUES (?, ?, ?, ?, ?::jsonb, ?, ?)";

    public void write(Connection connection, List<NewEvent> events) throws SQLException {
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

    private static void setNullable(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        }
        else {
            ps.setString(index, value);
        }
    }
}
