package io.outboxrelay.consumers.runtime;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** Connection pools for consumers. */
public final class DataSources {

    private DataSources() {
    }

    /**
     * A small pool for one consumer: its loop uses one connection at a time; the second lets a
     * retry get a fresh connection while a broken one is being evicted. Connections start with
     * auto-commit off, as the runtime's transactions expect. Close it after the consumer.
     */
    public static HikariDataSource pooled(String jdbcUrl, String user, String password, String poolName) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setPoolName(poolName);
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(1);
        config.setAutoCommit(false);
        // fail a retry attempt quickly while the database is down, rather than hold the loop for 30 s
        config.setConnectionTimeout(5_000);
        return new HikariDataSource(config);
    }
}
