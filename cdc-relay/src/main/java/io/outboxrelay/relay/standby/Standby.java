package io.outboxrelay.relay.standby;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.error.Causes;
import io.outboxrelay.relay.postgres.ReplicationSlot;

/**
 * A hot standby's wait for its replication slot ({@link RelayConfig#STANDBY}): polls the slot until
 * no walsender streams from it, then claims the right to start.
 *
 * <p>PostgreSQL lets one walsender stream from a slot; a second START_REPLICATION fails ("replication
 * slot is active"), which Debezium retries for a minute before it gives up, while the slot looks
 * busy to the relay that lost as well as to the one that won. Standbys therefore take turns: each
 * takes a session-level advisory lock named after the slot once the slot is free, checks again
 * that it is free, and holds the lock until its relay streams or has failed to start. The loser
 * of a race for the lock goes back to waiting. A claimant that dies releases the lock when
 * PostgreSQL notices: at once when the process is killed (the kernel closes its sockets), within
 * about 25 s when its host vanishes (TCP keepalives set on the session).
 */
public final class Standby implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Standby.class);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration REMINDER = Duration.ofMinutes(1);
    /** First half of the advisory lock's key, "outb": the second half is the slot name's hash. */
    private static final int LOCK_SPACE = 0x6F757462;

    private final Connection connection;
    private final int slotKey;

    private Standby(Connection connection, int slotKey) {
        this.connection = connection;
        this.slotKey = slotKey;
    }

    /**
     * Blocks until this relay may start on its slot: no walsender streams from it (or it does not exist
     * yet) and no other standby is starting. PostgreSQL being unreachable meanwhile is logged and retried.
     *
     * @param beforeWaiting runs once, when the slot is not free at the first look, before the wait begins
     *                      (the checks a standby can make while another relay streams); what it throws ends the wait
     * @return the claim: close it once the relay streams or has failed to start
     * @throws InterruptedException when the relay is asked to stop while it waits
     */
    public static Standby await(RelayConfig config, Runnable beforeWaiting) throws InterruptedException {
        String slot = config.get(RelayConfig.SLOT_NAME);
        int slotKey = slot.hashCode();
        long since = System.nanoTime();
        long nextLog = since;
        Connection connection = null;
        try {
            while (true) {
                String waitingFor;
                try {
                    if (connection == null) {
                        connection = connect(config);
                    }
                    String holder = holder(connection, slot);
                    if (holder == null) {
                        if (tryLock(connection, slotKey)) {
                            holder = holder(connection, slot); // taken between the look and the lock?
                            if (holder == null) {
                                Standby claim = new Standby(connection, slotKey);
                                connection = null;
                                LOG.info("Replication slot '{}' is free: taking over after standing by for {} s", slot,
                                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since));
                                return claim;
                            }
                            unlock(connection, slotKey);
                        }
                        else {
                            holder = "another standby relay that is taking over";
                        }
                    }
                    waitingFor = "replication slot '" + slot + "' is in use by " + holder;
                }
                catch (SQLException e) {
                    waitingFor = "cannot reach PostgreSQL at " + config.databaseWhere() + " ("
                            + Causes.firstLine(e) + ")";
                    closeQuietly(connection);
                    connection = null;
                }
                if (beforeWaiting != null) {
                    beforeWaiting.run();
                    beforeWaiting = null;
                }
                long now = System.nanoTime();
                if (now - nextLog >= 0) {
                    long minutes = TimeUnit.NANOSECONDS.toMinutes(now - since);
                    LOG.info(minutes == 0 ? "Standing by: {}; taking over when it is released"
                            : "Still standing by after " + minutes + " min: {}", waitingFor);
                    nextLog = now + REMINDER.toNanos();
                }
                Thread.sleep(POLL.toMillis());
            }
        }
        finally {
            closeQuietly(connection);
        }
    }

    /** Lets the next standby claim the slot; the relay that streams holds the slot itself. */
    @Override
    public void close() {
        try {
            unlock(connection, slotKey);
        }
        catch (SQLException e) {
            LOG.debug("Releasing the standby lock: {}", e.getMessage()); // closing the session releases it too
        }
        closeQuietly(connection);
    }

    private static Connection connect(RelayConfig config) throws SQLException {
        Connection connection = config.connectToDatabase("standby");
        try (Statement st = connection.createStatement()) {
            // a vanished host's session would otherwise hold the lock until the kernel's keepalive (hours) ends it
            st.execute("SET tcp_keepalives_idle = 10");
            st.execute("SET tcp_keepalives_interval = 5");
            st.execute("SET tcp_keepalives_count = 3");
        }
        catch (SQLException e) {
            closeQuietly(connection);
            throw e;
        }
        return connection;
    }

    /** @return who streams from the slot, null when nobody does (or the slot does not exist yet) */
    private static String holder(Connection connection, String slot) throws SQLException {
        return ReplicationSlot.find(connection, slot).map(ReplicationSlot::holder).orElse(null);
    }

    private static boolean tryLock(Connection connection, int slotKey) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            st.setInt(1, LOCK_SPACE);
            st.setInt(2, slotKey);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static void unlock(Connection connection, int slotKey) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
            st.setInt(1, LOCK_SPACE);
            st.setInt(2, slotKey);
            st.executeQuery().close();
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            }
            catch (SQLException e) {
                LOG.debug("Closing the standby connection: {}", e.getMessage());
            }
        }
    }
}
