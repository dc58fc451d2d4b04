package io.outboxrelay.relay.ops;

import java.sql.Connection;
import java.sql.SQLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.postgres.ReplicationSlot;

/**
 * Reads the slot's position every few seconds on one connection (opened again after a failure), so
 * that a scrape never queries the database. Between polls it answers with the last reading.
 */
final class SlotPoller implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SlotPoller.class);

    private final RelayConfig config;
    private final String slotName;
    private Connection connection;
    private boolean failing;
    private volatile ReplicationSlot last;

    SlotPoller(RelayConfig config) {
        this.config = config;
        this.slotName = config.get(RelayConfig.SLOT_NAME);
    }

    /** @return the last reading; null before the first, while the database cannot be read, or without a slot */
    ReplicationSlot last() {
        return last;
    }

    @Override
    public synchronized void run() {
        try {
            if (connection == null) {
                connection = config.connectToDatabase("metrics");
            }
            last = ReplicationSlot.read(connection, slotName).orElse(null);
            if (failing) {
                LOG.info("Reading replication slot '{}' works again", slotName);
                failing = false;
            }
        }
        catch (SQLException | RuntimeException e) {
            last = null;
            if (!failing) {
                LOG.warn("Cannot read replication slot '{}' for metrics ({}); retrying", slotName, e.getMessage());
                failing = true;
            }
            closeConnection();
        }
    }

    @Override
    public synchronized void close() {
        closeConnection();
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            }
            catch (SQLException e) {
                LOG.debug("Closing the metrics connection: {}", e.getMessage());
            }
            connection = null;
        }
    }
}
