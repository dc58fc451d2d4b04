package io.outboxrelay.relay.ops;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The relay's replication slot as PostgreSQL sees it.
 *
 * @param active whether a walsender streams from it now (a relay is attached)
 * @param activePid that walsender's pid, null when inactive
 * @param restartLsn the oldest WAL the slot still needs: PostgreSQL keeps everything after it
 * @param confirmedFlushLsn how far the relay has confirmed (its saved position, once flushed)
 * @param walRetainedBytes pg_current_wal_lsn() - restart_lsn: WAL kept on disk for this slot
 * @param slotLagBytes pg_current_wal_lsn() - confirmed_flush_lsn: WAL written but not confirmed yet
 */
public record SlotPosition(String slotName, boolean active, Integer activePid, String restartLsn,
                           String confirmedFlushLsn, Long walRetainedBytes, Long slotLagBytes) {

    private static final String QUERY = """
            SELECT active, active_pid, restart_lsn::text, confirmed_flush_lsn::text,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint
            FROM pg_replication_slots
            WHERE slot_name = ? AND database = current_database()""";

    /** @return empty when the slot does not exist in the connection's database */
    public static Optional<SlotPosition> read(Connection connection, String slotName) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(QUERY)) {
            st.setString(1, slotName);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new SlotPosition(slotName, rs.getBoolean(1), rs.getObject(2, Integer.class),
                        rs.getString(3), rs.getString(4), rs.getObject(5, Long.class), rs.getObject(6, Long.class)));
            }
        }
    }
}
