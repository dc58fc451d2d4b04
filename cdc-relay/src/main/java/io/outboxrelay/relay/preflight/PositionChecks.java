package io.outboxrelay.relay.preflight;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.error.Causes;
import io.outboxrelay.relay.kafka.SavedPosition;
import io.outboxrelay.relay.postgres.ReplicationSlot;

/**
 * The saved position (in Kafka) against the replication slot (in PostgreSQL), so that the relay never
 * skips what was committed while it was away. A gap is a saved position the slot can no longer serve:
 * <ul>
 * <li>the slot does not exist (dropped, or the relay detached): Debezium would create a new one that
 *     starts now, or, depending on snapshot.mode, fail with a message naming an offset context, or
 *     re-send the whole table;</li>
 * <li>the slot exists but has confirmed past the saved position (recreated, advanced, or used by
 *     another relay): PostgreSQL would silently start where the slot is;</li>
 * <li>the saved position is in the middle of a re-send (snapshot) that did not finish, and
 *     snapshot.mode=no_data would not finish it.</li>
 * </ul>
 * No saved position but a slot is not a gap: Debezium streams from the slot's confirmed position,
 * which trails what was relayed, so events are sent again, never skipped.
 */
final class PositionChecks {

    private static final Logger LOG = LoggerFactory.getLogger(PositionChecks.class);
    /** occurred_at is when the transaction began (its default now()); one that was open across the saved position began earlier. */
    private static final Duration SUGGESTED_MARGIN = Duration.ofMinutes(10);

    private final RelayConfig config;
    private final String where;
    private final String slot;
    private final String relay;
    private final String offsetTopic;

    PositionChecks(RelayConfig config) {
        this.config = config;
        this.where = config.databaseWhere();
        this.slot = config.get(RelayConfig.SLOT_NAME);
        this.relay = config.get(RelayConfig.RELAY_NAME);
        this.offsetTopic = config.get(RelayConfig.OFFSET_TOPIC);
    }

    StartPosition run() {
        SavedPosition saved = readSavedPosition();
        try (Connection connection = config.connectToDatabase("preflight")) {
            return decide(new Database(connection, config, where), saved);
        }
        catch (SQLException e) {
            throw new StartupException("PostgreSQL at " + where + " failed a pre-flight query: " + Causes.firstLine(e), e);
        }
    }

    private SavedPosition readSavedPosition() {
        try {
            return SavedPosition.read(config, "preflight");
        }
        catch (KafkaException e) {
            throw new StartupException("cannot read the saved position of relay '" + relay + "' from offset topic " + offsetTopic
                    + " at " + config.get(RelayConfig.KAFKA_BOOTSTRAP) + " (" + Causes.firstLine(e)
                    + "): check kafka.bootstrap.servers and any TLS/SASL settings under kafka.producer.*", e);
        }
    }

    private StartPosition decide(Database db, SavedPosition saved) throws SQLException {
        // confirmed_flush_lsn of the slot in this database, or null (one element, so that absent and present read alike)
        String[] slotRow = ReplicationSlot.read(db.connection(), slot).map(s -> new String[] {s.confirmedFlushLsn()}).orElse(null);
        if (saved == null || saved.furthestLsn() == null) {
            if (slotRow != null) {
                String mode = config.get(RelayConfig.SNAPSHOT_MODE);
                // the usual first start after attach (which creates the slot); also what a lost position looks like
                LOG.info("No saved position for relay '{}' in offset topic {}; replication slot '{}' exists: starting"
                        + " where the slot confirmed ({}): every event committed after that is relayed (if the position"
                        + " was lost rather than never saved, events relayed after it are sent again){}", relay,
                        offsetTopic, slot, slotRow[0],
                        mode.equals("no_data") ? "" : ", after every row of the table (snapshot.mode=" + mode + ")");
            }
            return noGap();
        }
        String gap;
        if (saved.snapshotRunning()) {
            if (!config.get(RelayConfig.SNAPSHOT_MODE).equals("no_data") && !resending()) {
                return noGap(); // Debezium takes the interrupted snapshot again
            }
            gap = "that position is in the middle of a re-send (snapshot) that did not finish";
        }
        else if (slotRow == null) {
            gap = "replication slot '" + slot + "' does not exist on " + where;
        }
        else if ("t".equals(db.text("SELECT ?::pg_lsn > ?::pg_lsn", slotRow[0], saved.furthestLsn()))) {
            gap = "replication slot '" + slot + "' on " + where + " has confirmed up to " + slotRow[0] + ", past that position";
        }
        else {
            return noGap();
        }
        String problem = "relay '" + relay + "' saved its position at LSN " + saved.lsn() + " (committed "
                + (saved.committedAt() == null ? "at an unknown time" : saved.committedAt().truncatedTo(ChronoUnit.MILLIS))
                + ") in offset topic " + offsetTopic + ", but " + gap + ": the outbox rows committed since would be skipped";
        if (config.getBoolean(RelayConfig.RECOVERY_ACCEPT_GAP)) {
            LOG.warn("{}; starting anyway and skipping them, because recovery.accept.gap=true", problem);
            return new StartPosition(Map.of("offset.mismatch.strategy", "trust_slot"));
        }
        if (resending()) {
            return resend(db, saved, slotRow != null, problem);
        }
        throw new StartupException(problem + "; to re-send them, set " + suggestion(saved)
                + " and start again (after 'relay attach' if the relay was detached); consumers dedupe the rows sent twice"
                + " on eventId. recovery.accept.gap=true would skip them instead");
    }

    private String suggestion(SavedPosition saved) {
        if (saved.snapshotRunning()) {
            return "recovery.resend.since to the time the interrupted re-send used";
        }
        if (saved.committedAt() == null) {
            return "recovery.resend.since to a time before the last event this relay sent";
        }
        return "recovery.resend.since=" + saved.committedAt().minus(SUGGESTED_MARGIN).truncatedTo(ChronoUnit.SECONDS)
                + " (the saved commit time minus " + SUGGESTED_MARGIN.toMinutes() + " minutes, for transactions open across it)";
    }

    /**
     * Debezium re-sends through a snapshot of the outbox rows since the given time, taken from a slot it
     * creates for it: the snapshot holds everything committed before the slot's start, the slot everything
     * after, so nothing falls between them. A slot that exists is ours but useless (it is past the saved
     * position), and a snapshot beside an old slot would leave a window uncovered: it is dropped.
     */
    private StartPosition resend(Database db, SavedPosition saved, boolean slotExists, String problem) throws SQLException {
        Instant since = Instant.parse(config.get(RelayConfig.RECOVERY_RESEND_SINCE).trim());
        if (!saved.snapshotRunning() && saved.committedAt() != null && since.isAfter(saved.committedAt())) {
            throw new StartupException(problem + "; recovery.resend.since=" + since + " is later than the saved commit time,"
                    + " so rows in between would still be skipped: set " + suggestion(saved));
        }
        String table = config.get(RelayConfig.OUTBOX_TABLE);
        if (!"t".equals(db.text("SELECT has_table_privilege(current_user, ?, 'SELECT')", table))) {
            throw new StartupException("role '" + db.user() + "' may not read the outbox table " + table + " in " + where
                    + ", which recovery.resend.since re-reads: run GRANT SELECT ON " + table + " TO " + db.user());
        }
        if (slotExists) {
            try (Statement st = db.connection().createStatement()) {
                st.execute("SELECT pg_drop_replication_slot('" + slot + "')"); // slot.name is validated: [a-z0-9_]
            }
            LOG.warn("Dropped replication slot '{}' (past the saved position, of no use to this relay) so that the re-send"
                    + " starts from a new one", slot);
        }
        LOG.warn("{}; re-sending the outbox rows with occurred_at at or after {} (recovery.resend.since), then streaming"
                + " from a new replication slot", problem, since);
        String[] parts = db.schemaAndTable();
        return new StartPosition(Map.of(
                // a saved position the slot cannot serve makes when_needed snapshot; the statement limits what it reads
                "snapshot.mode", "when_needed",
                "snapshot.select.statement.overrides", table,
                // commit order is not recorded; occurred_at (the transaction's start) is the closest, and indexed
                "snapshot.select.statement.overrides." + table, "SELECT * FROM \"" + parts[0] + "\".\"" + parts[1]
                        + "\" WHERE occurred_at >= '" + since + "'::timestamptz ORDER BY occurred_at"));
    }

    private boolean resending() {
        return !config.get(RelayConfig.RECOVERY_RESEND_SINCE).isBlank();
    }

    private StartPosition noGap() {
        if (resending() || config.getBoolean(RelayConfig.RECOVERY_ACCEPT_GAP)) {
            LOG.info("recovery.resend.since / recovery.accept.gap ignored: the saved position and replication slot '{}' agree,"
                    + " nothing was skipped", slot);
        }
        return StartPosition.RESUME;
    }
}
