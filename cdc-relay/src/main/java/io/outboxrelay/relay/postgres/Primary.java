package io.outboxrelay.relay.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import io.outboxrelay.relay.config.DatabaseHosts;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.error.Causes;
import io.outboxrelay.relay.error.RelayException;

/**
 * Which of the hosts in {@link RelayConfig#DATABASE_HOST} is the writable primary: each is asked
 * {@code pg_is_in_recovery()} on a connection of its own, with a short timeout so that a host that is gone does not
 * hold up the others.
 */
public final class Primary {

    /** What one host turned out to be. */
    public enum Role { PRIMARY, STANDBY, UNREACHABLE, REFUSED }

    /** One host's answer; {@code detail} says why it is not the primary. */
    public record Probe(DatabaseHosts.Host host, Role role, String detail) {

        @Override
        public String toString() {
            return host + " " + switch (role) {
                case PRIMARY -> "writable";
                case STANDBY -> "a standby (in recovery)";
                case UNREACHABLE -> "unreachable (" + detail + ")";
                case REFUSED -> "refused the connection (" + detail + ")";
            };
        }
    }

    /** No host became writable in time. */
    public static final class NotFoundException extends RelayException {

        NotFoundException(String message) {
            super(message);
        }

        @Override
        public int exitCode() {
            return EXIT_STARTUP;
        }
    }

    private static final int PROBE_TIMEOUT_SECONDS = 3;
    private static final Duration BETWEEN_ROUNDS = Duration.ofMillis(500);

    private Primary() {
    }

    /**
     * The one host in {@link RelayConfig#DATABASE_HOST}, or the writable one of several, looked for as long as
     * {@link RelayConfig#STARTUP_TIMEOUT_MS} allows.
     *
     * @throws NotFoundException when none of several became writable in time
     */
    public static DatabaseHosts.Host find(RelayConfig config) throws InterruptedException {
        DatabaseHosts hosts = config.databaseHosts();
        if (!hosts.several()) {
            return hosts.hosts().get(0);
        }
        return find(config, config.get(RelayConfig.DATABASE_USER), config.get(RelayConfig.DATABASE_PASSWORD),
                Duration.ofMillis(config.getInt(RelayConfig.STARTUP_TIMEOUT_MS)));
    }

    /**
     * The host to connect to: the first one that is writable, asking them all in order until {@code within} has
     * passed. A host that answers but refuses the login (a wrong password, a missing database) is returned too, so that
     * the caller's own check says what is wrong with it.
     *
     * @throws NotFoundException when none became writable in time, naming what each host was
     */
    public static DatabaseHosts.Host find(RelayConfig config, String user, String password, Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            List<Probe> probes = new ArrayList<>();
            for (DatabaseHosts.Host host : config.databaseHosts().hosts()) {
                Probe probe = probe(config, host, user, password);
                if (probe.role() == Role.PRIMARY || probe.role() == Role.REFUSED) {
                    return host;
                }
                probes.add(probe);
            }
            if (System.nanoTime() > deadline) {
                throw new NotFoundException("no host in database.host is a writable PostgreSQL after " + within.toMillis()
                        + " ms (" + probes.stream().map(Probe::toString).collect(Collectors.joining("; "))
                        + "): promote a standby, or correct database.host");
            }
            Thread.sleep(BETWEEN_ROUNDS.toMillis());
        }
    }

    /** Asks {@code host} whether it is in recovery, on a connection of its own. */
    public static Probe probe(RelayConfig config, DatabaseHosts.Host host, String user, String password) {
        try (Connection c = connect(config, host, user, password)) {
            return ask(c, host);
        }
        catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            // 08: connection failures; 57P: the server is shutting down or starting up (a standby being promoted)
            boolean unreachable = state.isEmpty() || state.startsWith("08") || state.startsWith("57P");
            return new Probe(host, unreachable ? Role.UNREACHABLE : Role.REFUSED, Causes.firstLine(e));
        }
    }

    /** Asks, on {@code connection} to {@code host}, whether it is in recovery. */
    static Probe ask(Connection connection, DatabaseHosts.Host host) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return new Probe(host, rs.getBoolean(1) ? Role.STANDBY : Role.PRIMARY, null);
        }
    }

    /** A connection to {@code host} alone for asking it, with short timeouts: a host that is gone must not hold others up. */
    static Connection connect(RelayConfig config, DatabaseHosts.Host host, String user, String password) throws SQLException {
        return new DatabaseHosts(List.of(host)).connect(config.get(RelayConfig.DATABASE_NAME), user, password,
                PROBE_TIMEOUT_SECONDS, PROBE_TIMEOUT_SECONDS * 2, config.get(RelayConfig.RELAY_NAME) + "-primary-probe");
    }
}
