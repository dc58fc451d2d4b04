package io.outboxrelay.consumers.runtime;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;

import javax.sql.DataSource;

/**
 * Runs a piece of work and the insert into {@code <schema>.processed_event} in one transaction,
 * unless the event id is already there. This is what turns at-least-once delivery into
 * exactly-once effects: a record read again after a crash (database committed, Kafka offset not)
 * finds its id and changes nothing.
 *
 * <p>The id is inserted before the work runs, not after: a second transaction with the same id
 * (two consumers overlapping during a rebalance) then blocks on the primary key until the first
 * one ends, and sees the conflict if it committed.
 */
final class IdempotentTransaction {

    @FunctionalInterface
    interface Work {
        void run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;
    private final String table;

    IdempotentTransaction(DataSource dataSource, String schema) {
        this.dataSource = dataSource;
        this.table = schema + ".processed_event";
    }

    /** @return true if the work ran and committed, false if the event had been processed before */
    boolean run(UUID eventId, Work work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                if (!markProcessed(connection, eventId)) {
                    connection.rollback();
                    return false;
                }
                work.run(connection);
                connection.commit();
                return true;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(connection, e);
                throw e;
            }
        }
    }

    /** Fails fast, before any record is read, when the table is missing. */
    void checkTable() {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement ps = connection.prepareStatement("SELECT event_id, processed_at FROM " + table + " LIMIT 0")) {
            ps.executeQuery().close();
        } catch (SQLException e) {
            String hint = "42P01".equals(e.getSQLState())
                    ? "table " + table + " does not exist: migrate the schema with ConsumerSchema.migrate before starting"
                    : "cannot read " + table + " (" + e.getSQLState() + ": " + e.getMessage() + ")";
            throw new ConsumerFailedException(hint, e);
        }
    }

    private boolean markProcessed(Connection connection, UUID eventId) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "INSERT INTO " + table + " (event_id) VALUES (?) ON CONFLICT (event_id) DO NOTHING")) {
            ps.setObject(1, eventId);
            return ps.executeUpdate() == 1;
        }
    }

    private static void rollbackQuietly(Connection connection, Throwable failure) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            // the connection is likely gone, which rolls back anyway; keep the original failure
            failure.addSuppressed(e);
        }
    }
}
