package io.outboxrelay.relay.attach;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.postgresql.ds.PGSimpleDataSource;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.error.Causes;

/**
 * A connection to the relay's database as an administrator (a superuser or the database owner),
 * with the few query helpers attach and detach need. Every value from the user is bound as a
 * parameter; identifiers in DDL are quoted by the server ({@link #format}).
 */
final class AdminSession implements AutoCloseable {

    private final RelayConfig config;
    private final String user;
    private final String password;
    private final Connection connection;
    final String where;

    private AdminSession(RelayConfig config, String user, String password, Connection connection, String where) {
        this.config = config;
        this.user = user;
        this.password = password;
        this.connection = connection;
        this.where = where;
    }

    /** @throws RefusedException with one line naming what to check when the connection fails */
    static AdminSession open(RelayConfig config, String user, String password, String purpose) {
        String where = config.databaseWhere();
        try {
            Connection connection = config.connectToDatabase(purpose, user, password);
            return new AdminSession(config, user, password, connection, where);
        }
        catch (SQLException e) {
            throw explain(e, where, user, config.get(RelayConfig.DATABASE_NAME));
        }
    }

    private static RefusedException explain(SQLException e, String where, String user, String database) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.equals("28P01")) {
            return new RefusedException("PostgreSQL at " + where + " rejected the password for admin user '" + user
                    + "': set RELAY_ADMIN_PASSWORD (or database.password)", e);
        }
        if (state.startsWith("28")) {
            return new RefusedException("PostgreSQL at " + where + " refused admin user '" + user + "' (" + Causes.firstLine(e)
                    + "): check --admin-user and pg_hba.conf", e);
        }
        if (state.equals("3D000")) {
            return new RefusedException("database '" + database + "' does not exist at " + where + ": check database.name", e);
        }
        if (state.startsWith("08") || Causes.hasCause(e, ConnectException.class) || Causes.hasCause(e, UnknownHostException.class)) {
            return new RefusedException("cannot reach PostgreSQL at " + where + " (" + Causes.firstLine(e)
                    + "): check database.host and database.port, and that PostgreSQL is running", e);
        }
        return new RefusedException("cannot connect to PostgreSQL at " + where + " as '" + user + "': " + Causes.firstLine(e), e);
    }

    Connection connection() {
        return connection;
    }

    String user() {
        return user;
    }

    /** The same database and administrator for Flyway, which opens its own connections. */
    DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        var hosts = config.databaseHosts().hosts();
        ds.setServerNames(hosts.stream().map(h -> h.name()).toArray(String[]::new));
        ds.setPortNumbers(hosts.stream().mapToInt(h -> h.port()).toArray());
        ds.setTargetServerType("primary"); // the writable one of several
        ds.setDatabaseName(config.get(RelayConfig.DATABASE_NAME));
        ds.setUser(user);
        ds.setPassword(password);
        ds.setApplicationName(config.get(RelayConfig.RELAY_NAME) + "-attach");
        return ds;
    }

    /** Refuses unless {@code wal_level=logical}: without it no relay can stream. */
    void requireLogicalWal() throws SQLException {
        String walLevel = scalar("SHOW wal_level");
        if (!"logical".equals(walLevel)) {
            throw new RefusedException("wal_level is '" + walLevel + "' on " + where
                    + "; set wal_level=logical in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) and restart PostgreSQL");
        }
    }

    /** PostgreSQL's {@code format(template, args...)}: {@code %I} quotes an identifier, {@code %L} a literal. */
    String format(String template, String... args) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT format(?");
        for (int i = 0; i < args.length; i++) {
            sql.append(", ?::text");
        }
        sql.append(')');
        List<String> params = new ArrayList<>();
        params.add(template);
        params.addAll(List.of(args));
        return scalar(sql.toString(), params.toArray(String[]::new));
    }

    /** The first column of the first row, or null when there is none. */
    String scalar(String sql, String... params) throws SQLException {
        List<String> rows = column(sql, params);
        return rows.isEmpty() ? null : rows.get(0);
    }

    boolean exists(String sql, String... params) throws SQLException {
        return !column(sql, params).isEmpty();
    }

    /** The first column of every row. */
    List<String> column(String sql, String... params) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        }
        catch (SQLException e) {
            // nothing left to do with it
        }
    }
}
