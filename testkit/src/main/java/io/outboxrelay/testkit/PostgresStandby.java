package io.outboxrelay.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;


/**
 * A streaming physical standby of an embedded PostgreSQL (17+ for slot synchronization), built as an operator without
 * {@code pg_basebackup} would (zonky's binaries have initdb, pg_ctl and postgres only): a physical slot on the primary,
 * {@code pg_backup_start}, a copy of the data directory, {@code pg_backup_stop} and its backup label,
 * {@code standby.signal} and {@code primary_conninfo}. It runs with {@code sync_replication_slots=on} and
 * {@code hot_standby_feedback=on}, so that the primary's failover slots are kept in step on it; {@link #promote()} makes
 * it the primary, {@link #killPrimary(PostgresInstance)} ends the old one as a crash would. A promoted standby is a
 * primary like any other: a new standby can be built from it (on the old primary's port, for failovers back and forth).
 */
public final class PostgresStandby implements PostgresInstance {

    /** Not a setting: the primary's major version, passed from the copy to the configuration. */
    private static final String MAJOR_VERSION = "(major version)";
    private static final Set<String> NOT_COPIED = Set.of("postmaster.pid", "postmaster.opts", "pg_wal", "pg_replslot",
            "pg_stat_tmp", "backup_label", "standby.signal");

    private final Path directory;
    private final Path data;
    private final Path pgCtl;
    private final int port;
    private final PostgresInstance primary;

    private PostgresStandby(Path directory, Path pgCtl, int port, PostgresInstance primary) {
        this.directory = directory;
        this.data = directory.resolve("data");
        this.pgCtl = pgCtl;
        this.port = port;
        this.primary = primary;
    }

    /** Builds and starts a standby of {@code primary} streaming through the physical slot {@code slot} (created here). */
    public static PostgresStandby start(PostgresInstance primary, String slot) {
        try {
            return start(primary, slot, Local.freePort());
        }
        catch (IOException e) {
            throw new InfrastructureException("no free port for a standby of " + primary + ": " + e.getMessage(), e);
        }
    }

    /**
     * As {@link #start(PostgresInstance, String)}, listening on {@code port} (a crashed primary's, whose data directory
     * is given up: it comes back as a standby of the server promoted in its place).
     *
     * @param primary an embedded server or a promoted standby
     */
    public static PostgresStandby start(PostgresInstance primary, String slot, int port) {
        Path source = dataDirectory(primary);
        try {
            PostgresStandby standby = new PostgresStandby(Local.createTempDirectory("outbox-pg-standby-"),
                    EmbeddedPostgresInstance.pgCtl(source), port, primary);
            try {
                Map<String, String> settings = standby.copyFrom(source, slot);
                standby.configure(slot, settings);
                // PostgreSQL refuses a data directory others may read
                Files.setPosixFilePermissions(standby.data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
                standby.pgCtl("start", "-w", "-t", "60", "-l", standby.directory.resolve("postgres.log").toString(), "-o",
                        "-p " + standby.port + " -c listen_addresses=" + Local.HOST);
                return standby;
            }
            catch (IOException | SQLException | RuntimeException e) {
                standby.close();
                throw e;
            }
        }
        catch (IOException | SQLException e) {
            throw new InfrastructureException("could not build a standby of " + primary + ": " + e.getMessage(), e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfrastructureException("interrupted while building a standby of " + primary, e);
        }
    }

    private static Path dataDirectory(PostgresInstance server) {
        if (server instanceof EmbeddedPostgresInstance embedded) {
            return embedded.directory().resolve("data");
        }
        if (server instanceof PostgresStandby standby) {
            return standby.data;
        }
        throw new IllegalArgumentException("a standby needs an embedded primary or a promoted standby, not " + server);
    }

    /** @return the primary's settings given on its command line, for the standby (it needs wal_level and the limits) */
    private Map<String, String> copyFrom(Path source, String slot) throws SQLException, IOException {
        Map<String, String> settings = new LinkedHashMap<>();
        try (Connection c = connect(primary); Statement st = c.createStatement()) {
            st.execute("SELECT pg_create_physical_replication_slot('" + slot + "', true)");
            try (ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int / 10000")) {
                rs.next();
                settings.put(MAJOR_VERSION, rs.getString(1));
            }
            try (ResultSet rs = st.executeQuery("SELECT name, setting FROM pg_settings WHERE source = 'command line'"
                    + " AND name NOT IN ('port', 'listen_addresses', 'data_directory')")) {
                while (rs.next()) {
                    settings.put(rs.getString(1), rs.getString(2));
                }
            }
            st.execute("SELECT pg_backup_start('outbox-standby', true)");
            copyTree(source, data);
            try (ResultSet rs = st.executeQuery("SELECT labelfile FROM pg_backup_stop(false)")) {
                rs.next();
                Files.writeString(data.resolve("backup_label"), rs.getString(1));
            }
        }
        return settings;
    }

    private static void copyTree(Path source, Path target) throws IOException {
        Files.createDirectories(target.resolve("pg_wal").resolve("archive_status"));
        Files.createDirectories(target.resolve("pg_replslot"));
        Files.createDirectories(target.resolve("pg_stat_tmp"));
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path relative = source.relativize(file);
                if (relative.getNameCount() > 0 && NOT_COPIED.contains(relative.getName(0).toString())) {
                    continue;
                }
                Path to = target.resolve(relative.toString());
                try {
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(to);
                    }
                    else {
                        Files.copy(file, to);
                    }
                }
                catch (java.nio.file.NoSuchFileException e) {
                    // a file the running primary removed meanwhile (temporary files): WAL replay restores what counts
                }
            }
        }
    }

    private void configure(String slot, Map<String, String> settings) throws IOException {
        List<String> lines = new ArrayList<>();
        int major = Integer.parseInt(settings.remove(MAJOR_VERSION));
        settings.forEach((k, v) -> lines.add(k + " = '" + v.replace("'", "''") + "'"));
        lines.add("primary_conninfo = 'host=" + Local.HOST + " port=" + primary.port() + " user=" + primary.superuser()
                + " password=" + primary.superuserPassword() + " dbname=postgres application_name=outbox_standby'");
        lines.add("primary_slot_name = '" + slot + "'");
        lines.add("hot_standby = on");
        lines.add("hot_standby_feedback = on");
        if (major >= 17) { // slot synchronization (failover slots) came with 17
            lines.add("sync_replication_slots = on");
        }
        Files.write(data.resolve("postgresql.auto.conf"), lines, StandardOpenOption.APPEND);
        Files.createFile(data.resolve("standby.signal"));
    }

    @Override
    public String host() {
        return Local.HOST;
    }

    /** The standby's port (on {@link Local#HOST}). */
    @Override
    public int port() {
        return port;
    }

    /** The primary's superuser: the standby is a copy of its cluster. */
    @Override
    public String superuser() {
        return primary.superuser();
    }

    @Override
    public String superuserPassword() {
        return primary.superuserPassword();
    }

    /** Makes it the primary and waits until it accepts writes. */
    public void promote() throws IOException, InterruptedException {
        pgCtl("promote", "-w", "-t", "60");
    }

    /** Stops {@code primary} as a crash would ({@code pg_ctl stop -m immediate}). */
    public static void killPrimary(PostgresInstance primary) throws IOException, InterruptedException {
        if (primary instanceof PostgresStandby promoted) {
            promoted.pgCtl("stop", "-m", "immediate", "-w", "-t", "60");
            return;
        }
        Path source = ((EmbeddedPostgresInstance) primary).directory().resolve("data");
        EmbeddedPostgresInstance.runPgCtl(List.of(EmbeddedPostgresInstance.pgCtl(source).toString(), "stop", "-D",
                source.toString(), "-m", "immediate",
                "-w", "-t", "60"), ((EmbeddedPostgresInstance) primary).directory().resolve("pg_ctl.log"));
    }

    private void pgCtl(String action, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(pgCtl.toString(), action, "-D", data.toString()));
        command.addAll(List.of(options));
        try {
            EmbeddedPostgresInstance.runPgCtl(command, directory.resolve("pg_ctl.log"));
        }
        catch (IOException e) {
            Path log = directory.resolve("postgres.log");
            throw Files.exists(log) ? new IOException(e.getMessage() + "; the server log ends with: "
                    + EmbeddedPostgresInstance.tail(log), e) : e;
        }
    }

    private static Connection connect(PostgresInstance primary) throws SQLException {
        return DriverManager.getConnection(primary.jdbcUrl("postgres"), primary.superuser(), primary.superuserPassword());
    }

    @Override
    public String toString() {
        return "PostgreSQL standby " + Local.HOST + ":" + port + " of " + primary.host() + ":" + primary.port();
    }

    @Override
    public void close() {
        try {
            pgCtl("stop", "-m", "immediate", "-w", "-t", "30");
        }
        catch (IOException e) {
            // already stopped
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Local.deleteRecursively(directory);
    }
}
