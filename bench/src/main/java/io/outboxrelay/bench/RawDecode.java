package io.outboxrelay.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import javax.sql.DataSource;

import io.outboxrelay.sql.OutboxSchema;

/**
 * PostgreSQL's own logical-decoding speed on the same rows the relay drains: a second pgoutput slot,
 * created before the backlog is written and emptied by one SQL call. No network, no Java: the
 * upper bound of what any pgoutput consumer could be fed.
 */
final class RawDecode implements AutoCloseable {

    static final String SLOT = "bench_raw";

    /** Decoded messages (BEGIN, RELATION, INSERT..., COMMIT) and how long decoding took. */
    record Result(long messages, double seconds) {
    }

    private final DataSource dataSource;
    private boolean slotExists = true;

    private RawDecode(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Creates the slot at the current WAL position: it will see exactly what is committed afterwards. */
    static RawDecode createSlot(DataSource dataSource) throws SQLException {
        new PostgresProbe(dataSource).createSlot(SLOT);
        return new RawDecode(dataSource);
    }

    /** Decodes and consumes everything the slot holds. */
    Result decodeAll() throws SQLException {
        long start = System.nanoTime();
        // count(*) so that only a number crosses the wire; the decoding work is the same
        long messages = Long.parseLong(query("SELECT count(*) FROM pg_logical_slot_get_binary_changes('" + SLOT
                + "', NULL, NULL, 'proto_version', '1', 'publication_names', '" + OutboxSchema.PUBLICATION + "')"));
        return new Result(messages, (System.nanoTime() - start) / 1e9);
    }

    /** Drops the slot: a forgotten slot would hold WAL back forever. */
    @Override
    public void close() throws SQLException {
        if (slotExists) {
            query("SELECT pg_drop_replication_slot('" + SLOT + "')");
            slotExists = false;
        }
    }

    /** @return the first column of the first row, as text */
    private String query(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }
}
