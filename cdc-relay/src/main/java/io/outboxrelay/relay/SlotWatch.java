package io.outboxrelay.relay;

import java.sql.Connection;
import java.sql.SQLException;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.postgres.ReplicationSlot;

/**
 * Looks at the relay's replication slot from the outside. Debezium reports "polling started" before
 * the slot streams (and before its own polling threads are in place: closing the engine in that
 * window can leave it hanging), so the relay counts as started only once PostgreSQL shows the slot
 * in use. One connection serves all the polls of one wait.
 */
final class SlotWatch implements AutoCloseable {

    private final Connection connection;
    private final String slot;

    SlotWatch(RelayConfig config) throws SQLException {
        connection = config.connectToDatabase("slot-watch");
        slot = config.get(RelayConfig.SLOT_NAME);
    }

    boolean isActive() throws SQLException {
        return ReplicationSlot.read(connection, slot).map(ReplicationSlot::active).orElse(false);
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
