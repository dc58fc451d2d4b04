package io.outboxrelay.consumers.runtime;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

/**
 * Runs a piece of work and the insert of a batch's event ids into {@code <schema>.processed_event} in
 * one transaction; the work is told which ids were not there before. This is what turns at-least-once delivery into
 * exactly-once effects: a record read again after a crash (database committed, Kafka offset not)
 * finds its id and changes nothing.
 *
 * <p>The ids are inserted before the work runs, not after: a second transaction with the same id
 * (two consumers overlapping during a rebalance) then blocks on the primary key until the first
 * one ends, and sees the conflict if it committed.
 */
final class IdempotentTransaction {

    /** Work on the events of a batch not processed before. */
    @FunctionalInterface
    interface BatchWork {
        /** @param fresh the ids of the batch that this transaction recorded as processed (none had been before) */
        void run(Connection connection, Set<UUID> fresh) throws SQLException, InterruptedException;
    }

    private final DataSource dataSource;
    private final String table;

    IdempotentTransaction(DataSource dataSource, String schema) {
        this.dataSource = dataSource;
        this.table = schema + ".processed_event";
    }

    /**
     * Records {@code ids} as processed in one statement, which also tells which of them were not processed before, and
     * runs the work for those, in one transaction; an id already there changes nothing. The ids are inserted in
     * sorted order, so two transactions inserting overlapping batches (a rebalance) wait for each other instead of
     * deadlocking.
     *
     * @return the ids that were new, now processed
     */
    Set<UUID> runBatch(Collection<UUID> ids, BatchWork work) throws SQLException, InterruptedException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                Set<UUID> fresh = markProcessed(connection, ids);
                work.run(connection, fresh);
                connection.commit();
                return fresh;
            } catch (SQLException | InterruptedException | RuntimeException | Error e) {
                rollbackQuietly(connection, e);
                throw e;
            }
        }
    }

    private Set<UUID> markProcessed(Connection connection, Collection<UUID> ids) throws SQLException {
        Set<UUID> fresh = new HashSet<>();
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + table + " (event_id)"
                + " SELECT id FROM unnest(?::uuid[]) AS t(id) ORDER BY id ON CONFLICT (event_id) DO NOTHING RETURNING event_id")) {
            ps.setArray(1, connection.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fresh.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return fresh;
    }

    /** Takes {@code ids} out of the processed events again, in the caller's transaction. */
    void forget(Connection connection, Collection<UUID> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement("DELETE FROM " + table + " WHERE event_id = ANY (?)")) {
            ps.setArray(1, connection.createArrayOf("uuid", ids.toArray()));
            ps.executeUpdate();
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

    private static void rollbackQuietly(Connection connection, Throwable failure) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            // the connection is likely gone, which rolls back anyway; keep the original failure
            failure.addSuppressed(e);
        }
    }
}
