package io.outboxrelay.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/** Replication slots of the bench's database: created before a contender's events are written, dropped after. */
final class Slots {

    private static final Duration DROP_TIMEOUT = Duration.ofSeconds(30);

    private Slots() {
    }

    /** A pgoutput slot at the current WAL position: it sees exactly what is committed afterwards. */
    static void create(BenchContext context, String slot) throws SQLException {
        try (Connection c = connect(context);
             PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
            ps.setString(1, slot);
            ps.execute();
        }
    }

    /**
     * Drops the slot of a client that has been stopped; nothing if it does not exist. A walsender that has
     * not noticed its client is gone yet is terminated first (up to 30 s of tries).
     */
    static void drop(BenchContext context, String slot) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + DROP_TIMEOUT.toNanos();
        try (Connection c = connect(context);
             PreparedStatement active = c.prepareStatement("SELECT active_pid FROM pg_replication_slots WHERE slot_name = ?")) {
            active.setString(1, slot);
            while (true) {
                Integer pid;
                try (ResultSet rs = active.executeQuery()) {
                    if (!rs.next()) {
                        return;
                    }
                    pid = (Integer) rs.getObject(1);
                }
                if (pid == null) {
                    execute(c, "SELECT pg_drop_replication_slot(?)", slot);
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("replication slot " + slot + " stayed active for " + DROP_TIMEOUT
                            + " after its client stopped; drop it with SELECT pg_drop_replication_slot('" + slot + "')");
                }
                execute(c, "SELECT pg_terminate_backend(?)", pid);
                Thread.sleep(100);
            }
        }
    }

    private static void execute(Connection c, String sql, Object parameter) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, parameter);
            ps.execute();
        }
    }

    static Connection connect(BenchContext context) throws SQLException {
        return DriverManager.getConnection(context.jdbcUrl(), context.user(), context.password());
    }
}
