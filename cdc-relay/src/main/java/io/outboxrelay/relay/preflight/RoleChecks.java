package io.outboxrelay.relay.preflight;

import java.sql.SQLException;

import io.outboxrelay.relay.config.RelayConfig;

/**
 * What the relay's role may do: stream changes, use the outbox schema, and read the outbox table when
 * a snapshot reads it (streaming through an existing publication needs no SELECT; measured with Debezium 3.6.1).
 */
final class RoleChecks {

    private final Database db;

    RoleChecks(Database db) {
        this.db = db;
    }

    void checkReplication() throws SQLException {
        String can = db.text("SELECT (rolreplication OR rolsuper)::text FROM pg_roles WHERE rolname = current_user");
        if (!"true".equals(can)) {
            throw new StartupException("role '" + db.user() + "' may not stream logical changes: run ALTER ROLE "
                    + db.user() + " WITH REPLICATION as a superuser");
        }
    }

    /** By OID, not by name: a name lookup in a schema without USAGE fails instead of answering. */
    void checkOutboxGrants() throws SQLException {
        String[] schemaAndTable = db.schemaAndTable();
        String[] grants = db.row("SELECT has_schema_privilege(n.oid, 'USAGE'), has_table_privilege(c.oid, 'SELECT')"
                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?",
                schemaAndTable[0], schemaAndTable[1]);
        if (!"t".equals(grants[0])) {
            throw new StartupException("role '" + db.user() + "' may not use schema " + schemaAndTable[0] + " in "
                    + db.where() + ": run GRANT USAGE ON SCHEMA " + schemaAndTable[0] + " TO " + db.user());
        }
        String snapshot = db.config().get(RelayConfig.SNAPSHOT_MODE);
        if (!"t".equals(grants[1]) && !snapshot.equals("no_data")) {
            throw new StartupException("role '" + db.user() + "' may not read the outbox table " + db.table() + " in "
                    + db.where() + ", which snapshot.mode=" + snapshot + " reads: run GRANT SELECT ON " + db.table()
                    + " TO " + db.user() + ", or set snapshot.mode=no_data");
        }
    }
}
