package io.outboxrelay.relay.attach;

import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.List;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.error.Causes;
import io.outboxrelay.relay.postgres.FailoverSlots;
import io.outboxrelay.relay.postgres.ReplicationSlot;

/**
 * Attaches the relay to an existing database: checks it, installs the outbox-sql migrations,
 * optionally the relay's least-privilege role and capture triggers on legacy tables, and creates the
 * relay's replication slot, so that every event committed from then on is relayed. Running it
 * again changes nothing; a dry run prints the SQL and changes nothing.
 */
public final class Attach {

    /**
     * What to attach.
     *
     * @param adminUser     administrator to connect as (a superuser or the database owner)
     * @param adminPassword its password
     * @param role          the relay role to create or correct, or null
     * @param rolePassword  the role's (new) password, or null to leave it alone
     * @param captureTables tables (schema.table, as typed) to capture with triggers
     */
    public record Options(String adminUser, String adminPassword, String role, String rolePassword,
                          List<String> captureTables, boolean dryRun) {
    }

    private Attach() {
    }

    /**
     * @throws io.outboxrelay.relay.config.ConfigException for bad arguments (nothing changed)
     * @throws RefusedException when the database cannot be attached (nothing changed by the failing part)
     */
    public static void run(RelayConfig config, Options options, PrintWriter out) {
        List<TableName> tables = options.captureTables().stream().map(TableName::parse).toList();
        Changes changes = new Changes(out, options.dryRun());
        try (AdminSession session = AdminSession.open(config, options.adminUser(), options.adminPassword(), "attach")) {
            session.requireLogicalWal();
            CaptureTriggers triggers = new CaptureTriggers(session, changes);
            triggers.check(tables);
            RelayRole role = new RelayRole(session, config, changes);
            if (options.role() != null) {
                role.requirePasswordIfNew(options.role(), options.rolePassword());
            }
            if (options.dryRun()) {
                out.println("-- dry run: nothing is changed; this is the SQL attach would run on " + session.where);
            }

            new OutboxInstaller(session, config, changes).install();
            if (options.role() != null) {
                role.ensure(options.role(), options.rolePassword());
            }
            triggers.ensure(tables);
            changes.commit(session.connection());
            ensureSlot(session, config, changes);
            changes.applyOneByOne(session.connection());
            if (options.role() != null && !options.dryRun()) {
                out.println("the relay can now run as this role: database.user=" + options.role()
                        + " with its password in RELAY_DATABASE_PASSWORD");
            }
        }
        catch (SQLException e) {
            throw new RefusedException("attach failed: " + Causes.firstLine(e)
                    + (isPermission(e) ? ": connect as a superuser or the database owner (--admin-user)" : ""), e);
        }
        out.flush();
    }

    /**
     * The relay's replication slot, created by attach rather than at the relay's first start: the relay streams from
     * where its slot begins (snapshot.mode=no_data), so events committed between attach and that first start would
     * otherwise never be relayed. After the other changes committed: PostgreSQL refuses to create a logical slot in a
     * transaction that has written. A slot of that name in another database is left to the relay's pre-flight check.
     */
    private static void ensureSlot(AdminSession session, RelayConfig config, Changes changes) throws SQLException {
        String slot = config.get(RelayConfig.SLOT_NAME);
        if (ReplicationSlot.find(session.connection(), slot).isPresent()) {
            changes.alreadyPresent("replication slot " + slot);
            return;
        }
        if (!failoverSlot(session, config)) {
            changes.add(Step.sql("created replication slot " + slot + " (pgoutput): outbox events committed from now on wait in"
                            + " it for the relay, and it holds WAL until the relay runs (detach drops it)",
                    session.format("SELECT pg_create_logical_replication_slot(%L, 'pgoutput')", slot)));
            return;
        }
        changes.add(Step.sql("created replication slot " + slot + " (pgoutput) as a failover slot: outbox events committed from now on"
                        + " wait in it for the relay, and it holds WAL until the relay runs (detach drops it). For a standby to"
                        + " keep it in step: on the standby sync_replication_slots=on, hot_standby_feedback=on, primary_slot_name"
                        + " set and dbname in primary_conninfo; on the primary synchronized_standby_slots naming the standbys'"
                        + " physical slots (README 'PostgreSQL high availability')",
                session.format("SELECT pg_create_logical_replication_slot(%L, 'pgoutput', false, false, true)", slot)));
    }

    /** Whether the slot is created as a failover slot (slot.failover, PostgreSQL 17+). */
    private static boolean failoverSlot(AdminSession session, RelayConfig config) throws SQLException {
        int major = FailoverSlots.majorVersion(session.connection());
        String unavailable = FailoverSlots.unavailable(config, major, "this server");
        if (unavailable != null) {
            throw new RefusedException(unavailable, null);
        }
        return FailoverSlots.wanted(config, major);
    }

    static boolean isPermission(SQLException e) {
        return "42501".equals(e.getSQLState());
    }
}
