package io.outboxrelay.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.LinuxUtils;

/** PostgreSQL from zonky's Maven-packaged binaries: needs nothing but Maven, works as root. */
final class EmbeddedPostgresInstance implements PostgresInstance {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresInstance.class);
    /** zonky runs {@code initdb -U postgres -A trust}. */
    private static final String SUPERUSER = "postgres";
    private static final String PASSWORD = "outbox-test";
    /** Written after start: zonky's readiness check connects without a password, so trust must last until then. */
    private static final String PG_HBA = String.join("\n",
            "# Written by io.outboxrelay.testkit: TCP needs a password, as in production.",
            "local all all trust",
            "host all all 127.0.0.1/32 scram-sha-256",
            "host all all ::1/128 scram-sha-256",
            "host replication all 127.0.0.1/32 scram-sha-256",
            "host replication all ::1/128 scram-sha-256",
            "");

    private final EmbeddedPostgres postgres;
    private final Path directory;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedPostgresInstance(EmbeddedPostgres postgres, Path directory) {
        this.postgres = postgres;
        this.directory = directory;
        this.shutdownHook = Local.onShutdown("postgres-" + postgres.getPort() + "-closer", this::close);
    }

    static PostgresInstance start(PostgresVersion version, Map<String, String> settings) {
        long start = System.nanoTime();
        EmbeddedPostgresInstance instance = Local.withRetries("embedded " + version, () -> startOnce(version, settings));
        LOG.info("{} started on {}:{} in {} ms", version, Local.HOST, instance.port(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return instance;
    }

    private static EmbeddedPostgresInstance startOnce(PostgresVersion version, Map<String, String> settings) throws Exception {
        Path directory = Local.createTempDirectory("outbox-pg-");
        Path data = directory.resolve("data");
        // Outside the data directory, which initdb wants empty; the exception quotes it when startup fails.
        Path log = directory.resolve("postgres.log");
        EmbeddedPostgres postgres = null;
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(true)
                    .setPort(Local.freePort())
                    // zonky does not notice that the server died, it waits all this time: keep it short.
                    .setPGStartupWait(Duration.ofSeconds(15))
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    // Our own hook also deletes the temp directory.
                    .setRegisterShutdownHook(false)
                    .setServerConfig("listen_addresses", shellQuoted(Local.HOST));
            builder.setPgBinaryResolver(version.binariesJar().<PgBinaryResolver>map(BinariesJarResolver::new)
                    .orElse(BundledBinariesResolver.INSTANCE));
            // Command-line settings, so they beat zonky's defaults (synchronous_commit=off among them).
            settings.forEach((key, value) -> builder.setServerConfig(key, shellQuoted(value)));
            postgres = builder.start();
            requirePasswords(data, postgres.getPort());
            return new EmbeddedPostgresInstance(postgres, directory);
        } catch (Exception e) {
            Exception failure = new IOException("the server log ends with:\n" + tail(log), e);
            if (postgres != null) {
                try {
                    postgres.close();
                } catch (IOException closeFailure) {
                    failure.addSuppressed(closeFailure);
                }
            } else {
                killOrphanedPostmaster(data);
            }
            Local.deleteRecursively(directory);
            throw failure;
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** zonky hands the settings to {@code pg_ctl -o}, which passes them through {@code /bin/sh}. */
    private static String shellQuoted(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    private static void requirePasswords(Path data, int port) throws SQLException, IOException, InterruptedException {
        String url = "jdbc:postgresql://" + Local.HOST + ":" + port + "/postgres";
        try (Connection connection = DriverManager.getConnection(url, SUPERUSER, "");
             Statement statement = connection.createStatement()) {
            // PostgreSQL 13 and older hash new passwords with md5 by default, which scram-sha-256 lines reject.
            statement.execute("SET password_encryption = 'scram-sha-256'");
            statement.execute("ALTER ROLE " + SUPERUSER + " PASSWORD '" + PASSWORD + "'");
            Files.writeString(data.resolve("pg_hba.conf"), PG_HBA);
            statement.execute("SELECT pg_reload_conf()");
        }
        // The postmaster reloads asynchronously: wait until a wrong password really is rejected.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Connection ignored = DriverManager.getConnection(url, SUPERUSER, PASSWORD + "-wrong")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("PostgreSQL still accepts any password after reloading pg_hba.conf");
                }
                Thread.sleep(20);
            } catch (SQLException e) {
                if ("28P01".equals(e.getSQLState())) {
                    return;
                }
                throw e;
            }
        }
    }

    /** zonky does not stop a postmaster whose startup it gave up on; without this it would outlive the JVM. */
    private static void killOrphanedPostmaster(Path data) {
        try {
            long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
            ProcessHandle.of(pid).ifPresent(process -> {
                process.destroy();
                process.onExit().orTimeout(10, TimeUnit.SECONDS).join();
            });
        } catch (Exception e) {
            LOG.debug("No postmaster to stop in {}: {}", data, e.toString());
        }
    }

    @Override
    public String host() {
        return Local.HOST;
    }

    @Override
    public int port() {
        return postgres.getPort();
    }

    @Override
    public String superuser() {
        return SUPERUSER;
    }

    @Override
    public String superuserPassword() {
        return PASSWORD;
    }

    @Override
    public synchronized void restartImmediately() {
        if (closed.get()) {
            throw new IllegalStateException(this + " is closed");
        }
        Path data = directory.resolve("data");
        long start = System.nanoTime();
        try {
            // pg_ctl restart starts the server with the options it was started with (postmaster.opts): same port
            runPgCtl(List.of(pgCtl(data).toString(), "restart", "-D", data.toString(), "-m", "immediate", "-w", "-t", "60",
                    "-l", directory.resolve("postgres.log").toString()), directory.resolve("pg_ctl.log"));
        } catch (IOException e) {
            throw new InfrastructureException("Could not restart " + this + ": " + e.getMessage() + "\nthe server log ends with:\n"
                    + tail(directory.resolve("postgres.log")), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfrastructureException("Interrupted while restarting " + this, e);
        }
        LOG.info("{} restarted (immediate) in {} ms", this, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /**
     * Runs {@code pg_ctl} (the command with its arguments) as zonky does: pg_ctl refuses to run as root, so in a user
     * namespace of its own where unshare is available; its output goes to {@code log}.
     *
     * @throws IOException when it does not finish within 90 s or exits with an error, quoting the end of {@code log}
     */
    static void runPgCtl(List<String> pgCtlCommand, Path log) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (LinuxUtils.isUnshareAvailable()) {
            command.addAll(List.of("unshare", "-U"));
        }
        command.addAll(pgCtlCommand);
        Process pgCtl = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        if (!pgCtl.waitFor(90, TimeUnit.SECONDS)) {
            pgCtl.destroyForcibly();
            throw new IOException(String.join(" ", pgCtlCommand) + " did not finish within 90 s");
        }
        if (pgCtl.exitValue() != 0) {
            throw new IOException(String.join(" ", pgCtlCommand) + " exited with " + pgCtl.exitValue() + ":\n" + tail(log));
        }
    }

    /** zonky does not say where it unpacked the binaries: pg_ctl sits next to the running postmaster. */
    static Path pgCtl(Path data) throws IOException {
        long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
        String postgres = ProcessHandle.of(pid).flatMap(p -> p.info().command())
                .orElseThrow(() -> new IOException("no running postmaster with PID " + pid + " for " + data));
        return Path.of(postgres).resolveSibling("pg_ctl");
    }

    /** The temp directory holding the data directory; for tests. */
    Path directory() {
        return directory;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Local.cancel(shutdownHook);
        try {
            postgres.close();
        } catch (IOException e) {
            LOG.warn("Could not stop PostgreSQL on port {}", port(), e);
        }
        Local.deleteRecursively(directory);
    }

    @Override
    public String toString() {
        return "embedded PostgreSQL on " + host() + ":" + port();
    }
}
