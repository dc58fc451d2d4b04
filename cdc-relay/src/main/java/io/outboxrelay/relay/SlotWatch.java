package io.outboxrelay.relay;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

import io.outboxrelay.relay.config.RelayConfig;

/**
 * Looks at the relay's replication slot from the outside. Debezium reports "polling started" before
 * the slot streams (and before its own polling threads are in place: closing the engine in that
 * window can leave it hanging), so the relay counts as started only once PostgreSQL shows the slot
 * in use.
 */
final class SlotWatch {

    private final RelayConfig config;

    SlotWatch(RelayConfig config) {
        this.config = config;
    }

    boolean isActive() throws SQLException {
        String url = "jdbc:postgresql://" + config.get(RelayConfig.DATABASE_HOST) + ":"
                + config.get(RelayConfig.DATABASE_PORT) + "/" + config.get(RelayConfig.DATABASE_NAME);
        Properties props = new Properties();
        props.setProperty("user", config.get(RelayConfig.DATABASE_USER));
        props.setProperty("password", config.get(RelayConfig.DATABASE_PASSWORD));
        props.setProperty("ApplicationName", config.get(RelayConfig.RELAY_NAME) + "-slot-watch");
        try (Connection c = DriverManager.getConnection(url, props);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT active FROM pg_replication_slots WHERE slot_name = ? AND database = current_database()")) {
            ps.setString(1, config.get(RelayConfig.SLOT_NAME));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
