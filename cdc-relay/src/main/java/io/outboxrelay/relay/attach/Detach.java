package io.outboxrelay.relay.attach;

import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.error.Causes;
import io.outboxrelay.relay.kafka.SavedPosition;
import io.outboxrelay.relay.postgres.ReplicationSlot;
import io.outboxrelay.sql.OutboxSchema;

/**
 * Detaches the relay from its database: drops the replication slot, the publication and the
 * capture triggers, optionally the relay role; keeps the outbox table and its rows. Refuses while
 * a relay streams from the slot, and (unless forced) while the slot holds events not yet relayed.
 */
public final class Detach {

    /**
     * What to detach.
     *
     * @param dropRole the relay role to drop, or null to keep it
     * @param force    drop the slot even though it still holds events not yet relayed
     */
    public record Options(String adminUser, String adminPassword, String dropRole, boolean force, boolean dryRun) {
    }

    private Detach() {
    }

    /** @throws RefusedException when detaching would stop a running relay or lose events, or the database refuses */
    public static void run(RelayConfig config, Options options, PrintWriter out) {
        Changes changes = new Changes(out, options.dryRun());
        String slot = config.get(RelayConfig.SLOT_NAME);
        String publication = config.get(RelayConfig.PUBLICATION);
        try (AdminSession session = AdminSession.open(config, options.adminUser(), options.adminPassword(), "detach")) {
            if (options.dryRun()) {
                out.println("-- dry run: nothing is changed; this is the SQL detach would run on " + session.where);
            }
            if (slotExists(session, slot)) {
                long unrelayed = unrelayed(session, config, slot, publication, options.force());
                if (unrelayed > 0) {
                    changes.say("dropping replication slot " + slot + " with up to " + unrelayed
                            + " outbox events not yet relayed (--force)");
                }
                changes.add(Step.sql("dropped replication slot " + slot,
                        session.format("SELECT pg_drop_replication_slot(%L)", slot)));
            }
            else {
                changes.alreadyAbsent("replication slot " + slot);
            }
            if (session.exists("SELECT 1 FROM pg_publication WHERE pubname = ?", publication)) {
                changes.add(Step.sql("dropped publication " + publication, session.format("DROP PUBLICATION %I", publication)));
            }
            else {
                changes.alreadyAbsent("publication " + publication);
            }
            new CaptureTriggers(session, changes).dropAll();
            if (options.dropRole() != null) {
                dropRole(session, config, options.dropRole(), changes);
            }
            changes.applyOneByOne(session.connection());
            keptOutbox(session, config, changes);
        }
        catch (SQLException e) {
            throw new RefusedException("detach failed: " + Causes.firstLine(e)
                    + (Attach.isPermission(e) ? ": connect as a superuser or the database owner (--admin-user)" : ""), e);
        }
        out.flush();
    }

    private static boolean slotExists(AdminSession session, String slot) throws SQLException {
        Optional<ReplicationSlot> found = ReplicationSlot.read(session.connection(), slot);
        if (found.isPresent() && found.get().active()) {
            throw new RefusedException("replication slot " + slot + " is in use by process " + found.get().activePid()
                    + " (a relay is running): stop the relay, then run detach again");
        }
        return found.isPresent();
    }

    /**
     * Counts outbox inserts not yet relayed. pgoutput decodes what the slot still holds without
     * moving it ("peek"), in commit order: every transaction whose commit lies at or after the
     * slot's confirmed_flush_lsn. The relay (Debezium 3.6.1, measured) confirms the position of the
     * last change it relayed, so the transaction holding that change is decoded again (and so is a
     * transaction that committed before it but wrote after that position); and it confirms to
     * PostgreSQL the position saved at the previous flush, so the slot trails the position saved in
     * Kafka. Everything decoded up to and including the last change (or commit) at a known relayed
     * position, the slot's or the saved one, was relayed; the inserts after it were not. When no
     * decoded change sits at a known position, every decoded insert counts.
     */
    private static final String UNRELAYED = "WITH decoded AS ("
            + " SELECT d.n, d.lsn - '0/0'::pg_lsn AS lsn, chr(get_byte(d.data, 0)) AS kind, d.data"
            + " FROM pg_logical_slot_peek_binary_changes(?, NULL, NULL,"
            + " 'proto_version', '1', 'publication_names', quote_ident(?)) WITH ORDINALITY AS d(lsn, xid, data, n)),"
            + " positions AS (SELECT ?::pg_lsn - '0/0'::pg_lsn AS lsn" // the slot's confirmed_flush_lsn
            + " UNION SELECT unnest(?::numeric[])),"
            + " relayed AS (SELECT max(d.n) AS n FROM decoded d JOIN positions p"
            + " ON (d.kind IN ('I', 'U', 'D') AND d.lsn = p.lsn)"
            // COMMIT: 'C', flags (1 byte), commit LSN (8 bytes), end LSN, timestamp
            + " OR (d.kind = 'C' AND ('x' || encode(substring(d.data FROM 3 FOR 8), 'hex'))::bit(64)::bigint = p.lsn))"
            // INSERT: 'I', the relation's OID (4 bytes), ...: only the outbox table's rows are events (the publication
            // also holds the heartbeat table, whose rows the relay writes itself and never relays)
            + " SELECT count(*) FROM decoded WHERE kind = 'I' AND n > coalesce((SELECT n FROM relayed), 0)"
            + " AND ('x' || encode(substring(data FROM 2 FOR 4), 'hex'))::bit(32)::int = to_regclass(?)::oid::int";

    /**
     * Refuses (unless forced) when the slot holds outbox inserts not yet relayed; returns how many
     * (forced: at most how many, from the slot alone).
     */
    private static long unrelayed(AdminSession session, RelayConfig config, String slot, String publication, boolean force)
            throws SQLException {
        long count;
        try {
            count = count(session, config, slot, publication, List.of());
            if (count > 0 && !force) { // forced, an upper bound will do: no need to reach Kafka
                SavedPosition saved = SavedPosition.read(config, "detach");
                count = count(session, config, slot, publication, saved == null ? List.of() : saved.lsns());
            }
        }
        catch (SQLException | RuntimeException e) {
            if (force) {
                return 0;
            }
            String where = e instanceof SQLException ? "" : " (reading the relay's saved position from Kafka at "
                    + config.get(RelayConfig.KAFKA_BOOTSTRAP) + ")";
            String check = e instanceof SQLException ? "" : "check kafka.bootstrap.servers, or ";
            throw new RefusedException("cannot tell whether slot " + slot + " holds events not yet relayed" + where + ": "
                    + Causes.firstLine(e) + ": " + check + "pass --force to drop it anyway", e);
        }
        if (count > 0 && !force) {
            throw new RefusedException("replication slot " + slot + " still holds " + count
                    + " outbox events not yet relayed: run the relay until it has caught up, or pass --force to drop them");
        }
        return count;
    }

    private static long count(AdminSession session, RelayConfig config, String slot, String publication, List<Long> saved)
            throws SQLException {
        String array = "{" + String.join(",", saved.stream().map(String::valueOf).toList()) + "}";
        String confirmed = ReplicationSlot.read(session.connection(), slot).map(ReplicationSlot::confirmedFlushLsn).orElse(null);
        String outbox = TableName.parse(config.get(RelayConfig.OUTBOX_TABLE)).toString();
        return Long.parseLong(session.scalar(UNRELAYED, slot, publication, confirmed, array, outbox));
    }

    private static void dropRole(AdminSession session, RelayConfig config, String role, Changes changes) throws SQLException {
        if (!session.exists("SELECT 1 FROM pg_roles WHERE rolname = ?", role)) {
            changes.alreadyAbsent("role " + role);
            return;
        }
        if (role.equals(session.scalar("SELECT current_user"))) {
            throw new RefusedException("--drop-role " + role + " is the admin user detach connects as: name the relay's role");
        }
        TableName outbox = TableName.parse(config.get(RelayConfig.OUTBOX_TABLE));
        TableName heartbeat = TableName.parse(OutboxSchema.HEARTBEAT_TABLE);
        String quoted = session.format("%I", role);
        // revoke what attach granted here; DROP ROLE then fails (and says where) if the role still owns or may use anything else
        StringBuilder sql = new StringBuilder();
        if (session.scalar("SELECT to_regclass(?)::text", outbox.toString()) != null) {
            sql.append(session.format("REVOKE ALL ON TABLE %I.%I FROM %I; ", outbox.schema(), outbox.table(), role));
        }
        if (session.scalar("SELECT to_regclass(?)::text", heartbeat.toString()) != null) {
            sql.append(session.format("REVOKE ALL ON TABLE %I.%I FROM %I; ", heartbeat.schema(), heartbeat.table(), role));
        }
        if (session.exists("SELECT 1 FROM pg_namespace WHERE nspname = ?", outbox.schema())) {
            sql.append(session.format("REVOKE ALL ON SCHEMA %I FROM %I; ", outbox.schema(), role));
        }
        sql.append(session.format("REVOKE ALL ON DATABASE %I FROM %I; ", session.scalar("SELECT current_database()"), role));
        sql.append(session.format("DROP ROLE %I", role));
        changes.add(Step.sql("dropped role " + quoted, sql.toString()));
    }

    private static void keptOutbox(AdminSession session, RelayConfig config, Changes changes) throws SQLException {
        String table = config.get(RelayConfig.OUTBOX_TABLE);
        if (session.scalar("SELECT to_regclass(?)::text", table) == null) {
            return;
        }
        String rows = session.scalar(session.format("SELECT count(*) FROM %s", session.scalar("SELECT to_regclass(?)::text", table)));
        changes.say("kept: table " + table + " with its " + rows + " rows, and the rest of schema " + TableName.parse(table).schema()
                + " (drop it yourself when no longer needed)");
    }
}
