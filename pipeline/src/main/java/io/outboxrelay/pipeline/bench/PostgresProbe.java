package io.outboxrelay.pipeline.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

/** What the bench asks PostgreSQL about slots, WAL positions and walsenders. */
final class PostgresProbe {

    private final DataSource dataSource;

    PostgresProbe(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    String postgresVersion() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Creates a pgoutput slot at the current WAL position. */
    void createSlot(String slot) throws SQLException {
        try (Connection c = dataSource.getConnection();
             var ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
            ps.setString(1, slot);
            ps.execute();
        }
    }

    /** The current WAL position (written, not necessarily flushed). */
    String walPosition() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A checkpoint; it also logs the running transactions, which lets slots move their restart_lsn. */
    void checkpoint() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
        }
    }

    /** Whether the slot's restart_lsn has reached {@code lsn}, waiting up to {@code millis} for it. */
    boolean awaitRestartLsn(String slot, String lsn, long millis) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try (Connection c = dataSource.getConnection(); var ps = c.prepareStatement(
                "SELECT restart_lsn >= ?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, lsn);
            ps.setString(2, slot);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return true;
                    }
                }
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * The pid of the backend streaming a slot (its walsender), or -1 if none does. The relay's
     * walsender is PostgreSQL's share of the relay's work: it decodes the WAL for it.
     */
    long activePid(String slot) throws SQLException {
        try (Connection c = dataSource.getConnection();
             var ps = c.prepareStatement("SELECT active_pid FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                long pid = rs.next() ? rs.getLong(1) : 0;
                return pid > 0 ? pid : -1;
            }
        }
    }
}
