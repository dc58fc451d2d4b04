package io.outboxrelay.relay.preflight;

import java.sql.SQLException;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.sql.OutboxSchema;

/** The objects outbox-sql creates: the table, and the publication the relay decodes. */
final class OutboxChecks {

    private final Database db;

    OutboxChecks(Database db) {
        this.db = db;
    }

    /** From the catalog, which every role may read, so a missing grant is not mistaken for a missing table. */
    void checkTable() throws SQLException {
        String[] schemaAndTable = db.schemaAndTable();
        if (db.text("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ?", schemaAndTable[0], schemaAndTable[1]) == null) {
            throw new StartupException("outbox table " + db.table() + " does not exist in " + db.where()
                    + ": apply the outbox-sql migrations, or set outbox.table");
        }
    }

    void checkPublication() throws SQLException {
        String publication = db.config().get(RelayConfig.PUBLICATION);
        String[] schemaAndTable = db.schemaAndTable();
        String[] row = db.row("SELECT p.pubinsert, EXISTS (SELECT 1 FROM pg_publication_tables t WHERE t.pubname = p.pubname"
                + " AND t.schemaname = ? AND t.tablename = ?) FROM pg_publication p WHERE p.pubname = ?",
                schemaAndTable[0], schemaAndTable[1], publication);
        if (row == null) {
            throw new StartupException("publication '" + publication + "' does not exist in " + db.where()
                    + ": apply the outbox-sql migrations (V2__outbox_publication.sql) or set publication");
        }
        if (!"t".equals(row[0]) || !"t".equals(row[1])) {
            throw new StartupException("publication '" + publication + "' does not publish inserts on " + db.table()
                    + ": run ALTER PUBLICATION " + publication + " ADD TABLE " + db.table());
        }
    }

    /** Heartbeats insert into a published table; without it, or without the grants, an idle outbox holds back WAL. */
    void checkHeartbeat() throws SQLException {
        String table = OutboxSchema.HEARTBEAT_TABLE;
        String publication = db.config().get(RelayConfig.PUBLICATION);
        String disable = ", or set heartbeat.interval.ms=0 (an idle outbox then makes the slot hold back WAL)";
        String[] row = db.row("SELECT to_regclass(?) IS NOT NULL,"
                + " EXISTS (SELECT 1 FROM pg_publication_tables t JOIN pg_publication p USING (pubname)"
                + " WHERE t.pubname = ? AND t.schemaname || '.' || t.tablename = ? AND p.pubinsert)",
                table, publication, table);
        if (!"t".equals(row[0])) {
            throw new StartupException("heartbeat table " + table + " does not exist in " + db.where()
                    + ": apply the outbox-sql migrations (V3__heartbeat_table.sql, V5__heartbeat_published.sql)" + disable);
        }
        if (!"t".equals(row[1])) {
            throw new StartupException("publication '" + publication + "' does not publish inserts on " + table
                    + ", so heartbeats cannot release WAL: run ALTER PUBLICATION " + publication + " ADD TABLE "
                    + table + " (outbox-sql V5__heartbeat_published.sql)" + disable);
        }
        if (!"t".equals(db.text("SELECT has_table_privilege(?, 'INSERT') AND has_table_privilege(?, 'DELETE')", table, table))) {
            throw new StartupException("role '" + db.user() + "' may not write heartbeats: run GRANT INSERT, DELETE ON " + table
                    + " TO " + db.user() + disable);
        }
    }
}
