package io.outboxrelay.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

/** What the bench asks PostgreSQL directly: its version, a slot. */
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

    /** The pid of the backend streaming a slot (its walsender), or -1 if none does. */
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
