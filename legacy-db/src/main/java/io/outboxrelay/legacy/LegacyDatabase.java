package io.outboxrelay.legacy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** Connection pools for the legacy order system. */
public final class LegacyDatabase {

    private LegacyDatabase() {
    }

    /**
     * A HikariCP pool of at most {@code size} connections; close it when done. Size it to the number
     * of threads that hold a connection at once (one per load client), since a thread waiting for a
     * connection only adds latency.
     */
    public static HikariDataSource pool(String jdbcUrl, String user, String password, int size) {
        return pool("legacy-db", jdbcUrl, user, password, size);
    }

    /** As {@link #pool(String, String, String, int)}, named for its database in logs and metrics. */
    public static HikariDataSource pool(String poolName, String jdbcUrl, String user, String password, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("pool size must be at least 1, was " + size);
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName(poolName);
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        // Every write path sets autocommit off for its own transaction and restores it; a pooled
        // connection starts in autocommit so a plain read never holds a transaction open.
        config.setAutoCommit(true);
        return new HikariDataSource(config);
    }
}
