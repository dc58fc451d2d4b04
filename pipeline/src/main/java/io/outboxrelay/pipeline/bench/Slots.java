package io.outboxrelay.pipeline.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Replication slots of the bench's database: created before a contender's events are written, dropped after. */
final class Slots {

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

    /** Drops the slot once no one streams from it (waits up to 30 s); nothing if it does not exist. */
    static void drop(BenchContext context, String slot) throws SQLException, InterruptedException {
        try (Connection c = connect(context)) {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (true) {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
                    ps.setString(1, slot);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            return;
                        }
                        if (!rs.getBoolean(1) || System.nanoTime() > deadline) {
                            break;
                        }
                    }
                }
                Thread.sleep(100);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                ps.setString(1, slot);
                ps.execute();
            }
        }
    }

    static Connection connect(BenchContext context) throws SQLException {
        return DriverManager.getConnection(context.jdbcUrl(), context.user(), context.password());
    }
}
