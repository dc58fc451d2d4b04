package io.outboxrelay.relay.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * A replication slot as PostgreSQL sees it: the one place the relay reads {@code pg_replication_slots} (pre-flight,
 * attach, detach, standby, status, metrics and the start-up watch all ask here).
 *
 * @param slotName the slot's name (slot names are per cluster)
 * @param database the database of a logical slot, null for a physical one
 * @param inCurrentDatabase whether {@code database} is the connection's database
 * @param active whether a walsender streams from it now (a relay is attached)
 * @param activePid that walsender's pid, null when inactive
 * @param holderApplication that session's application_name; null when inactive or not visible to the role
 *                          (another role's sessions need pg_read_all_stats)
 * @param holderAddress that session's client address, null likewise (and for a Unix socket)
 * @param restartLsn the oldest WAL the slot still needs: PostgreSQL keeps everything after it
 * @param confirmedFlushLsn how far the relay has confirmed (its saved position, once flushed)
 * @param walRetainedBytes pg_current_wal_lsn() - restart_lsn: WAL kept on disk for this slot
 * @param slotLagBytes pg_current_wal_lsn() - confirmed_flush_lsn: WAL written but not confirmed yet
 * @param failover whether it is a failover slot, synchronized to standbys (PostgreSQL 17+; null before)
 * @param synced whether it is a copy synchronized from the primary (true only on a standby; null before 17)
 */
public record ReplicationSlot(String slotName, String database, boolean inCurrentDatabase, boolean active, Integer activePid,
                              String holderApplication, String holderAddress, String restartLsn, String confirmedFlushLsn,
                              Long walRetainedBytes, Long slotLagBytes, Boolean failover, Boolean synced) {

    private static final String QUERY = """
            SELECT s.database, s.database = current_database(), s.active, s.active_pid, a.application_name,
                   host(a.client_addr), s.restart_lsn::text, s.confirmed_flush_lsn::text,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint,
                   (to_jsonb(s) ->> 'failover')::boolean, (to_jsonb(s) ->> 'synced')::boolean
            FROM pg_replication_slots s LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid AND s.active
            WHERE s.slot_name = ?""";

    /** @return empty when no slot of that name exists in the cluster (in any database) */
    public static Optional<ReplicationSlot> find(Connection connection, String slotName) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(QUERY)) {
            st.setString(1, slotName);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new ReplicationSlot(slotName, rs.getString(1), rs.getBoolean(2), rs.getBoolean(3),
                        rs.getObject(4, Integer.class), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                        rs.getObject(9, Long.class), rs.getObject(10, Long.class), rs.getObject(11, Boolean.class),
                        rs.getObject(12, Boolean.class)));
            }
        }
    }

    /** @return empty when the slot does not exist in the connection's database */
    public static Optional<ReplicationSlot> read(Connection connection, String slotName) throws SQLException {
        return find(connection, slotName).filter(ReplicationSlot::inCurrentDatabase);
    }

    /** Slots of every kind in the cluster: physical ones count against max_replication_slots too. */
    public static int count(Connection connection) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT count(*) FROM pg_replication_slots");
             ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Who streams from the slot, e.g. {@code PID 123 (application_name 'relay', client_addr 10.0.0.5)}; null when nobody does. */
    public String holder() {
        if (!active || activePid == null) {
            return null;
        }
        return "PID " + activePid + " (application_name " + (holderApplication == null ? "unknown" : "'" + holderApplication + "'")
                + ", client_addr " + (holderAddress == null ? "unknown" : holderAddress) + ")";
    }
}
