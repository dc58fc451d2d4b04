package io.outboxrelay.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;

import javax.sql.DataSource;

/**
 * CPU time of the whole PostgreSQL server (postmaster and every process it started: backends, walsenders,
 * background writer, WAL writer...), read through /proc. Processes that exit between two readings take
 * their time with them; the bench's connections and walsenders live through a measurement. -1 if unknown.
 */
final class PostgresCpu {

    private final ProcessHandle postmaster;

    private PostgresCpu(ProcessHandle postmaster) {
        this.postmaster = postmaster;
    }

    /** Finds the postmaster as the parent of the checkpointer (always running, on the same host as the bench). */
    static PostgresCpu of(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")) {
            Optional<ProcessHandle> parent = rs.next()
                    ? ProcessHandle.of(rs.getLong(1)).flatMap(ProcessHandle::parent) : Optional.empty();
            return new PostgresCpu(parent.orElse(null));
        }
    }

    long nanos() {
        if (postmaster == null) {
            return -1;
        }
        long total = cpu(postmaster);
        for (ProcessHandle child : (Iterable<ProcessHandle>) postmaster.descendants()::iterator) {
            total += Math.max(0, cpu(child));
        }
        return total;
    }

    private static long cpu(ProcessHandle process) {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }
}
