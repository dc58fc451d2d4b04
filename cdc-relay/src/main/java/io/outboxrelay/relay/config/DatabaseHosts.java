package io.outboxrelay.relay.config;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@link RelayConfig#DATABASE_HOST} as a list: one host, or a primary and its standbys separated by commas, each with
 * its own port ({@code db1:5432,db2:5433}) or {@link RelayConfig#DATABASE_PORT}'s. With several, connections go to
 * the one that is writable (PgJDBC's {@code targetServerType=primary}), and a running relay follows a failover
 * ({@code io.outboxrelay.relay.postgres.PrimaryWatch}).
 */
public record DatabaseHosts(List<Host> hosts) {

    /** One entry: a host name, an IPv4 address or a bracketed IPv6 address, and a port. */
    public record Host(String name, int port) {

        @Override
        public String toString() {
            return name + ":" + port;
        }
    }

    /** Nothing that could extend the JDBC URL it goes into; an optional :port. */
    private static final Pattern ENTRY = Pattern.compile(
            "(?<name>[A-Za-z0-9._-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\])(?::(?<port>[1-9][0-9]{0,4}))?");

    public DatabaseHosts {
        hosts = List.copyOf(hosts);
    }

    /** Whether {@code value} is a legal {@link RelayConfig#DATABASE_HOST}. */
    static boolean isLegal(String value) {
        return Arrays.stream(value.split(",", -1)).allMatch(entry -> entry(entry, 1) != null); // any default port will do
    }

    /** Parses a value {@link #isLegal(String)} accepted; entries without a port get {@code defaultPort}. */
    static DatabaseHosts parse(String value, int defaultPort) {
        List<Host> out = new ArrayList<>();
        for (String entry : value.split(",")) {
            Host host = entry(entry, defaultPort);
            if (host == null) {
                throw new IllegalArgumentException("not a host[:port]: " + entry);
            }
            out.add(host);
        }
        return new DatabaseHosts(out);
    }

    /** One entry of the list; null when it is not a legal host[:port]. */
    private static Host entry(String entry, int defaultPort) {
        Matcher m = ENTRY.matcher(entry.trim());
        if (!m.matches()) {
            return null;
        }
        int port = m.group("port") == null ? defaultPort : Integer.parseInt(m.group("port"));
        return port > 65535 ? null : new Host(m.group("name"), port);
    }

    /** More than one host: a primary and standbys to follow. */
    public boolean several() {
        return hosts.size() > 1;
    }

    /** A JDBC URL naming every host; with several, the caller asks for {@code targetServerType=primary}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + this + "/" + database;
    }

    /**
     * A JDBC connection to {@code database}: on the one host, or on the writable one of several; giving up after
     * {@code timeoutSeconds}, named {@code applicationName} in pg_stat_activity.
     *
     * @param socketTimeoutSeconds how long a read may wait for the server; 0: as long as it takes
     */
    public Connection connect(String database, String user, String password, int timeoutSeconds, int socketTimeoutSeconds,
                              String applicationName) throws SQLException {
        Properties props = new Properties();
        if (several()) {
            props.setProperty("targetServerType", "primary");
        }
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", String.valueOf(timeoutSeconds));
        props.setProperty("loginTimeout", String.valueOf(timeoutSeconds));
        props.setProperty("socketTimeout", String.valueOf(socketTimeoutSeconds));
        props.setProperty("ApplicationName", applicationName);
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    @Override
    public String toString() {
        return hosts.stream().map(Host::toString).collect(Collectors.joining(","));
    }
}
