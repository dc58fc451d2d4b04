package io.outboxrelay.pipeline.bench;

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
}
