package io.outboxrelay.relay.preflight;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.error.Causes;

/** Checks, before Debezium connects, that the database can serve the relay; fails with what to do. */
final class DatabaseChecks {

    private final RelayConfig config;
    private final String where;

    DatabaseChecks(RelayConfig config) {
        this.config = config;
        this.where = config.databaseWhere();
    }

    /**
     * Most fundamental first, so that the one line reported is the one to fix first: the server, then
     * the role, then the outbox objects and the role's grants on them, then the slot and room to stream.
     *
     * @param awaitFreeSlot wait (up to startup.timeout.ms) for a slot in use to be released, and fail if it is not;
     *                      false for a standby, which waits for the slot itself
     * @return Debezium settings the server calls for ({@link FailoverChecks})
     */
    Map<String, String> run(boolean awaitFreeSlot) {
        try (Connection connection = connect()) {
            Database db = new Database(connection, config, where);
            ServerChecks server = new ServerChecks(db);
            RoleChecks role = new RoleChecks(db);
            OutboxChecks outbox = new OutboxChecks(db);
            int major = server.checkVersion();
            server.checkWalLevel();
            role.checkReplication();
            outbox.checkTable();
            role.checkOutboxGrants();
            outbox.checkPublication();
            if (config.getInt(RelayConfig.HEARTBEAT_INTERVAL_MS) > 0) {
                outbox.checkHeartbeat();
            }
            new SlotChecks(db).check(awaitFreeSlot);
            return new FailoverChecks(db).run(major);
        }
        catch (SQLException e) {
            throw new StartupException("PostgreSQL at " + where + " failed a pre-flight query: " + Causes.firstLine(e), e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while checking PostgreSQL at " + where, e);
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
        String database = config.get(RelayConfig.DATABASE_NAME);
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.equals("28P01")) {
            return new StartupException("PostgreSQL at " + where + " rejected the password for user '" + user
                    + "': check database.password (or RELAY_DATABASE_PASSWORD)", e);
        }
        if (state.startsWith("28")) {
            return new StartupException("PostgreSQL at " + where + " refused user '" + user + "' (" + Causes.firstLine(e)
                    + "): check database.user and pg_hba.conf", e);
        }
        if (state.equals("42501")) {
            // at connection time: "permission denied for database", i.e. no CONNECT privilege
            return new StartupException("role '" + user + "' may not connect to " + where
                    + ": run GRANT CONNECT ON DATABASE " + database + " TO " + user, e);
        }
        if (state.equals("3D000")) {
            return new StartupException("database '" + database + "' does not exist at " + where + ": check database.name", e);
        }
        if (state.startsWith("08") || Causes.hasCause(e, ConnectException.class) || Causes.hasCause(e, UnknownHostException.class)) {
            return new StartupException("cannot reach PostgreSQL at " + where + " (" + Causes.firstLine(e)
                    + "): check database.host and database.port, and that PostgreSQL is running and accepts TCP connections", e);
        }
        return new StartupException("cannot connect to PostgreSQL at " + where + ": " + Causes.firstLine(e), e);
    }
}
