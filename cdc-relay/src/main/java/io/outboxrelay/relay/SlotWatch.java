package io.outboxrelay.relay;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import io.outboxrelay.relay.config.RelayConfig;

/**
 * Looks at the relay's replication slot from the outside. Debezium reports "polling started" before
 * the slot streams (and before its own polling threads are in place: closing the engine in that
 * window can leave it hanging), so the relay counts as started only once PostgreSQL shows the slot
 * in use. One connection serves all the polls of one wait.
 */
final class SlotWatch implements AutoCloseable {

    private final Connection connection;
    private final PreparedStatement active;

    SlotWatch(RelayConfig config) throws SQLException {
        connection = config.connectToDatabase("slot-watch");
        try {
            active = connection.prepareStatement(
                    "SELECT active FROM pg_replication_slots WHERE slot_name = ? AND database = current_database()");
            active.setString(1, config.get(RelayConfig.SLOT_NAME));
        }
        catch (SQLException e) {
            connection.close();
            throw e;
        }
    }

    boolean isActive() throws SQLException {
        try (ResultSet rs = active.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
