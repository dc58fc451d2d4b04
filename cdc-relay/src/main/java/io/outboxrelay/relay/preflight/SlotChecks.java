package io.outboxrelay.relay.preflight;

import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.postgres.ReplicationSlot;

/**
 * The relay's replication slot, and room for the connection that streams from it: Debezium would
 * otherwise fail with PostgreSQL's own wording, or keep retrying for a minute.
 */
final class SlotChecks {

    private static final Logger LOG = LoggerFactory.getLogger(SlotChecks.class);
    private static final long POLL_MS = 100;

    private final Database db;
    private final String slot;

    SlotChecks(Database db) {
        this.db = db;
        this.slot = db.config().get(RelayConfig.SLOT_NAME);
    }

    void check(boolean awaitFreeSlot) throws SQLException, InterruptedException {
        Optional<ReplicationSlot> existing = ReplicationSlot.find(db.connection(), slot);
        if (existing.isEmpty()) {
            checkFreeSlot();
        }
        else {
            checkSlotDatabase(existing.get().database());
            if (existing.get().activePid() != null && awaitFreeSlot) {
                awaitRelease(existing.get().activePid());
            }
        }
        checkFreeWalSender();
    }

    /** Slot names are per cluster: two relays on two databases must not share the default. */
    private void checkSlotDatabase(String database) throws SQLException {
        String ours = db.text("SELECT current_database()");
        if (!ours.equals(database)) {
            throw new StartupException("replication slot '" + slot + "' on " + db.where() + " belongs to "
                    + (database == null ? "physical replication" : "database '" + database + "'")
                    + ", not to '" + ours + "': set a different slot.name for this relay");
        }
    }

    /**
     * A relay restarted right after it died may find its slot still held by the old connection until
     * PostgreSQL notices: that resolves itself within {@code startup.timeout.ms}; a running relay does not.
     */
    private void awaitRelease(int pid) throws SQLException, InterruptedException {
        int timeoutMs = db.config().getInt(RelayConfig.STARTUP_TIMEOUT_MS);
        LOG.info("Replication slot '{}' is in use by PID {}; waiting up to {} ms for it to be released", slot, pid, timeoutMs);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        ReplicationSlot held = heldSlot();
        while (held != null) {
            if (System.nanoTime() > deadline) {
                throw new StartupException("replication slot '" + slot + "' is in use by " + held.holder()
                        + ": another relay is running with slot.name=" + slot + "; stop it or set a different slot.name");
            }
            Thread.sleep(POLL_MS);
            held = heldSlot();
        }
    }

    private ReplicationSlot heldSlot() throws SQLException {
        return ReplicationSlot.find(db.connection(), slot).filter(s -> s.holder() != null).orElse(null);
    }

    /** Physical slots count against the same limit. */
    private void checkFreeSlot() throws SQLException {
        int max = db.number("SELECT current_setting('max_replication_slots')::int");
        int used = ReplicationSlot.count(db.connection());
        if (used >= max) {
            throw new StartupException("no free replication slot on " + db.where() + " for slot.name '" + slot
                    + "': max_replication_slots is " + max + " and " + used + " slots are in use; raise max_replication_slots"
                    + " in postgresql.conf and restart PostgreSQL, or drop a slot nobody reads (pg_drop_replication_slot)");
        }
    }

    /** Every replication connection holds a WAL sender, streaming or not (pg_stat_replication lists them all). */
    private void checkFreeWalSender() throws SQLException {
        int max = db.number("SELECT current_setting('max_wal_senders')::int");
        int used = db.number("SELECT count(*) FROM pg_stat_replication");
        if (used >= max) {
            throw new StartupException("no free WAL sender on " + db.where() + ": max_wal_senders is " + max + " and "
                    + used + " are in use by replication connections; raise max_wal_senders in postgresql.conf and restart PostgreSQL");
        }
    }
}
