package io.outboxrelay.relay.preflight;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.postgres.FailoverSlots;
import io.outboxrelay.relay.postgres.ReplicationSlot;

/**
 * {@code slot.failover}: on PostgreSQL 17 and later the relay's slot should be a failover slot, which a physical standby
 * with {@code sync_replication_slots=on} keeps in step, so that a promoted standby has it with the relay's position. Refuses
 * {@code slot.failover=true} below 17; warns (one line each, the relay starts all the same) when physical standbys stream
 * from this server but the slot is not a failover slot (or cannot be one, below 17), or a standby's slot is missing from
 * {@code synchronized_standby_slots} (a standby not listed there may be promoted without the relay's latest position).
 */
final class FailoverChecks {

    private static final Logger LOG = LoggerFactory.getLogger(FailoverChecks.class);

    private final Database db;
    private final String slot;

    FailoverChecks(Database db) {
        this.db = db;
        this.slot = db.config().get(RelayConfig.SLOT_NAME);
    }

    /**
     * @param major the server's major version
     * @return Debezium's settings for a slot it creates: {@code slot.failover=true} when wanted and possible
     */
    Map<String, String> run(int major) throws SQLException {
        String unavailable = FailoverSlots.unavailable(db.config(), major, db.where());
        if (unavailable != null) {
            throw new StartupException(unavailable);
        }
        if (!FailoverSlots.wanted(db.config(), major)) {
            List<String> standbys = major < FailoverSlots.SINCE ? standbySlots() : List.of();
            if (!standbys.isEmpty()) {
                LOG.warn("Physical standbys stream from {} (slots {}), but PostgreSQL {} has no failover slots: after a"
                        + " failover the relay refuses to start on the promoted standby (its slot is missing), and"
                        + " recovery.resend.since re-sends what it missed; see README 'PostgreSQL high availability'",
                        db.where(), standbys, major);
            }
            return Map.of();
        }
        List<String> standbys = standbySlots();
        if (!standbys.isEmpty()) {
            Optional<ReplicationSlot> ours = ReplicationSlot.read(db.connection(), slot);
            if (ours.isPresent() && !Boolean.TRUE.equals(ours.get().failover())) {
                LOG.warn("Replication slot '{}' is not a failover slot, but physical standbys stream from {} (slots {}): a"
                        + " promoted standby will not have it; recreate it as one (relay detach, then relay attach with"
                        + " slot.failover=auto) while nothing is written, or see README 'PostgreSQL high availability'",
                        slot, db.where(), standbys);
            }
            String listedSetting = db.text("SELECT current_setting('synchronized_standby_slots', true)");
            List<String> listed = listedSetting == null ? List.of()
                    : Arrays.stream(listedSetting.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            List<String> missing = new ArrayList<>(standbys);
            missing.removeAll(listed);
            if (!missing.isEmpty()) {
                LOG.warn("Physical standby slot(s) {} on {} are not in synchronized_standby_slots ('{}'): such a standby may be"
                        + " promoted without the relay's latest position; on the primary: ALTER SYSTEM SET"
                        + " synchronized_standby_slots = '{}'; SELECT pg_reload_conf()", missing, db.where(),
                        listedSetting == null ? "" : listedSetting, String.join(",", standbys));
            }
        }
        return Map.of("slot.failover", "true");
    }

    /** The physical slots standbys stream from now. */
    private List<String> standbySlots() throws SQLException {
        String names = db.text("SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots"
                + " WHERE slot_type = 'physical' AND active");
        return names == null ? List.of() : List.of(names.split(","));
    }
}
