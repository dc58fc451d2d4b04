package io.outboxrelay.relay.preflight;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.sql.OutboxSchema;

/** Checks, before Debezium connects, that the database can serve the relay; fails with what to do. */
final class DatabaseChecks {

    private final RelayConfig config;
    private final String where;

    DatabaseChecks(RelayConfig config) {
        this.config = config;
        this.where = config.get(RelayConfig.DATABASE_HOST) + ":" + config.get(RelayConfig.DATABASE_PORT) + "/"
                + config.get(RelayConfig.DATABASE_NAME);
    }

    void run() {
        try (Connection connection = connect()) {
            checkWalLevel(connection);
            checkReplicationRight(connection);
            checkOutboxTable(connection);
            checkPublication(connection);
            if (config.getInt(RelayConfig.HEARTBEAT_INTERVAL_MS) > 0) {
                checkHeartbeat(connection);
            }
        }
        catch (SQLException e) {
            throw new StartupException("PostgreSQL at " + where + " failed a pre-flight query: " + e.getMessage(), e);
        }
    }

    private Connection connect() {
        try {
            return config.connectToDatabase("preflight");
        }
        catch (SQLException e) {
            throw explain(e);
        }
    }

    private StartupException explain(SQLException e) {
        String user = config.get(RelayConfig.DATABASE_USER);
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.equals("28P01")) {
            return new StartupException("PostgreSQL at " + where + " rejected the password for user '" + user
                    + "': check database.password (or RELAY_DATABASE_PASSWORD)", e);
        }
        if (state.startsWith("28")) {
            return new StartupException("PostgreSQL at " + where + " refused user '" + user + "' (" + firstLine(e)
                    + "): check database.user and pg_hba.conf", e);
        }
        if (state.equals("3D000")) {
            return new StartupException("database '" + config.get(RelayConfig.DATABASE_NAME) + "' does not exist at "
                    + where + ": check database.name", e);
        }
        if (state.startsWith("08") || hasCause(e, ConnectException.class) || hasCause(e, UnknownHostException.class)) {
            return new StartupException("cannot reach PostgreSQL at " + where + " (" + firstLine(e)
                    + "): check database.host and database.port, and that PostgreSQL is running and accepts TCP connections", e);
        }
        return new StartupException("cannot connect to PostgreSQL at " + where + ": " + firstLine(e), e);
    }

    private void checkWalLevel(Connection connection) throws SQLException {
        String walLevel = scalar(connection, "SHOW wal_level");
        if (!"logical".equals(walLevel)) {
            throw new StartupException("wal_level is '" + walLevel + "' on " + where
                    + "; set wal_level=logical in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) and restart PostgreSQL");
        }
    }

    private void checkReplicationRight(Connection connection) throws SQLException {
        String can = scalar(connection,
                "SELECT (rolreplication OR rolsuper)::text FROM pg_roles WHERE rolname = current_user");
        if (!"true".equals(can)) {
            throw new StartupException("role '" + config.get(RelayConfig.DATABASE_USER)
                    + "' may not stream logical changes: run ALTER ROLE " + config.get(RelayConfig.DATABASE_USER)
                    + " WITH REPLICATION as a superuser");
        }
    }

    private void checkOutboxTable(Connection connection) throws SQLException {
        String table = config.get(RelayConfig.OUTBOX_TABLE);
        try (PreparedStatement ps = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    throw new StartupException("outbox table " + table + " does not exist in " + where
                            + ": apply the outbox-sql migrations, or set outbox.table");
                }
            }
        }
    }

    private void checkPublication(Connection connection) throws SQLException {
        String publication = config.get(RelayConfig.PUBLICATION);
        String[] table = config.get(RelayConfig.OUTBOX_TABLE).split("\\.");
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT p.pubinsert, EXISTS (SELECT 1 FROM pg_publication_tables t WHERE t.pubname = p.pubname"
                        + " AND t.schemaname = ? AND t.tablename = ?) FROM pg_publication p WHERE p.pubname = ?")) {
            ps.setString(1, table[0]);
            ps.setString(2, table[1]);
            ps.setString(3, publication);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new StartupException("publication '" + publication + "' does not exist in " + where
                            + ": apply the outbox-sql migrations (V2__outbox_publication.sql) or set publication");
                }
                if (!rs.getBoolean(2) || !rs.getBoolean(1)) {
                    throw new StartupException("publication '" + publication + "' does not publish inserts on "
                            + config.get(RelayConfig.OUTBOX_TABLE) + ": run ALTER PUBLICATION " + publication
                            + " ADD TABLE " + config.get(RelayConfig.OUTBOX_TABLE));
                }
            }
        }
    }

    /**
     * Debezium logs a failed heartbeat and carries on, so without this a missing grant or table would only show
     * as WAL piling up.
     */
    private void checkHeartbeat(Connection connection) throws SQLException {
        String table = OutboxSchema.HEARTBEAT_TABLE;
        String publication = config.get(RelayConfig.PUBLICATION);
        String disable = ", or set heartbeat.interval.ms=0 (an idle outbox then makes the slot hold back WAL)";
        try (PreparedStatement ps = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL,"
                + " EXISTS (SELECT 1 FROM pg_publication_tables t JOIN pg_publication p USING (pubname)"
                + " WHERE t.pubname = ? AND t.schemaname || '.' || t.tablename = ? AND p.pubinsert)")) {
            ps.setString(1, table);
            ps.setString(2, publication);
            ps.setString(3, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    throw new StartupException("heartbeat table " + table + " does not exist in " + where
                            + ": apply the outbox-sql migrations (V3__heartbeat_table.sql, V5__heartbeat_published.sql)" + disable);
                }
                if (!rs.getBoolean(2)) {
                    throw new StartupException("publication '" + publication + "' does not publish inserts on " + table
                            + ", so heartbeats cannot release WAL: run ALTER PUBLICATION " + publication + " ADD TABLE "
                            + table + " (outbox-sql V5__heartbeat_published.sql)" + disable);
                }
            }
        }
        String may = scalar(connection, "SELECT (has_table_privilege('" + table + "', 'INSERT')"
                + " AND has_table_privilege('" + table + "', 'DELETE'))::text");
        if (!"true".equals(may)) {
            String user = config.get(RelayConfig.DATABASE_USER);
            throw new StartupException("role '" + user + "' may not write heartbeats: run GRANT INSERT, DELETE ON " + table
                    + " TO " + user + disable);
        }
    }

    private static String scalar(Connection connection, String sql) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static String firstLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
