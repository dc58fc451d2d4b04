package io.outboxrelay.relay.preflight;

import java.sql.SQLException;

import io.outboxrelay.relay.postgres.FailoverSlots;

/** The server as a whole: a version Debezium supports, and logical decoding switched on. */
final class ServerChecks {

    /**
     * The oldest major version the relay accepts: Debezium 3.6 is tested against PostgreSQL 14 to 18
     * (its release overview), although pgoutput itself exists since 10.
     */
    static final int MINIMUM_MAJOR_VERSION = 14;

    private final Database db;

    ServerChecks(Database db) {
        this.db = db;
    }

    /** @return the server's major version */
    int checkVersion() throws SQLException {
        int major = FailoverSlots.majorVersion(db.connection());
        if (major < MINIMUM_MAJOR_VERSION) {
            String version = db.text("SELECT split_part(current_setting('server_version'), ' ', 1)");
            throw new StartupException("PostgreSQL " + version + " at " + db.where() + " is not supported (the relay needs "
                    + MINIMUM_MAJOR_VERSION + " or later): upgrade PostgreSQL or point database.host at a newer server");
        }
        return major;
    }

    void checkWalLevel() throws SQLException {
        String walLevel = db.text("SELECT current_setting('wal_level')");
        if (!"logical".equals(walLevel)) {
            throw new StartupException("wal_level is '" + walLevel + "' on " + db.where()
                    + "; set wal_level=logical in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) and restart PostgreSQL");
        }
    }
}
