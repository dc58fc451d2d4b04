package io.outboxrelay.relay.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.testsupport.OpsHttp;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.testkit.DeliveryCheck;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.PostgresInstance;
import io.outboxrelay.testkit.PostgresStandby;

/**
 * Issue 17's failover on real servers: a PostgreSQL 17 primary and a streaming standby with slot synchronization;
 * {@code relay attach} (as the superuser, through both hosts) makes the relay's least-privilege role and its failover
 * slot; the relay runs as a child process ({@code relay run}) as that role with both hosts in {@code database.host}
 * (the standby listed first: it must pick the writable one) while an application writes a steady load through both
 * hosts ({@code targetServerType=primary}). The primary is killed ({@code pg_ctl stop -m immediate}) and the standby
 * promoted; the relay must find it by itself. The truth is the new primary's outbox: nothing of it may be missing from
 * Kafka, and Kafka may hold nothing the new primary does not have ({@code synchronized_standby_slots} holds the relay
 * back until the standby has what it is sent). Duplicates (at-least-once) are counted, per-aggregate order checked.
 */
class FailoverIntegrationTests {

    private static final String STANDBY_SLOT = "outbox_standby";
    private static final String ROLE = "relay_failover";
    private static final String ROLE_PASSWORD = "failover-secret-7";
    private static final Pattern HTTP_PORT = Pattern.compile("Metrics, health and status on http://[^:]+:(\\d+)");

    @TempDir
    Path dir;

    @Test
    void theRelayFollowsThePromotedStandbyByItselfUnderLoadAndLosesNothing() throws Exception {
        PostgresInstance primary = Infrastructure.startPostgres();
        PostgresStandby standby = null;
        Process relay = null;
        AtomicBoolean loading = new AtomicBoolean(true);
        CompletableFuture<Void> load = null;
        Path log = dir.resolve("relay.log");
        try {
            RelayFixture fixture = new RelayFixture(primary, SharedInfrastructure.kafka());
            standby = PostgresStandby.start(primary, STANDBY_SLOT);
            fixture.sql("ALTER SYSTEM SET synchronized_standby_slots = '" + STANDBY_SLOT + "'");
            fixture.sql("SELECT pg_reload_conf()");
            String hosts = "127.0.0.1:" + standby.port() + ",127.0.0.1:" + primary.port();
            StringWriter attached = new StringWriter();
            assertThat(attach(fixture, hosts, attached)).as(attached.toString()).isZero();
            assertThat(attached.toString()).contains("failover");
            PGSimpleDataSource onBoth = dataSource(fixture, primary.port(), standby.port());
            PGSimpleDataSource onStandby = dataSource(fixture, standby.port());
            String slot = fixture.relayConfig().get(RelayConfig.SLOT_NAME);

            Path config = dir.resolve("relay.properties");
            Properties settings = fixture.relayProperties(Map.of("database.host", hosts, "database.user", ROLE,
                    "database.password", ROLE_PASSWORD, "snapshot.mode", "no_data"));
            settings.remove("database.port");
            try (Writer w = Files.newBufferedWriter(config)) {
                settings.store(w, null);
            }
            relay = startRelay(config, log);
            Process running = relay;
            await().atMost(Duration.ofSeconds(60)).until(() -> logged(running, log, "Relay state RUNNING"));
            URI base = URI.create("http://127.0.0.1:" + httpPort(log));
            assertThat(status(base).path("database_primary").asText()).isEqualTo("127.0.0.1:" + primary.port());

            AtomicLong batches = new AtomicLong();
            load = CompletableFuture.runAsync(() -> steadyLoad(onBoth, loading, batches));
            await().atMost(Duration.ofSeconds(60)).until(() -> status(base).path("events_relayed").asLong() >= 200);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> synced(onStandby, slot));

            PostgresStandby.killPrimary(primary);
            long killed = System.nanoTime();
            standby.promote();
            long promoted = System.nanoTime();
            String newPrimary = "127.0.0.1:" + standby.port();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                JsonNode s = status(base);
                return s != null && newPrimary.equals(s.path("database_primary").asText()) && s.path("events_relayed").asLong() > 0;
            });
            long firstEvent = System.nanoTime();
            long batchesAtPromotion = batches.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> batches.get() > batchesAtPromotion + 20);
            loading.set(false);
            load.join();

            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> check(onStandby, fixture).lost.isEmpty());
            DeliveryCheck check = check(onStandby, fixture);
            System.out.printf("failover: %d events on the new primary, %s; kill to promoted %d ms, promotion to the relay's"
                    + " first event on it %d ms%n", check.committed, check, TimeUnit.NANOSECONDS.toMillis(promoted - killed),
                    TimeUnit.NANOSECONDS.toMillis(firstEvent - promoted));
            assertThat(check.lost).isEmpty();
            assertThat(check.unexpected).as("events in Kafka the new primary never had").isEmpty();
            assertThat(check.orderViolations).isEmpty();
            assertThat(Files.readString(log)).contains("PostgreSQL primary moved from 127.0.0.1:" + primary.port() + " to "
                    + newPrimary).doesNotContain(ROLE_PASSWORD);
            assertThat(relay.isAlive()).as("the relay process kept running across the failover").isTrue();
        }
        finally {
            loading.set(false);
            if (load != null) {
                load.exceptionally(e -> null).join();
            }
            if (relay != null) {
                relay.destroy();
                if (!relay.waitFor(60, TimeUnit.SECONDS)) {
                    relay.destroyForcibly();
                }
            }
            if (standby != null) {
                standby.close();
            }
            primary.close();
        }
    }

    /** {@code relay attach --create-role} as the superuser, through both hosts: it must find the writable one. */
    private int attach(RelayFixture fixture, String hosts, StringWriter out) throws IOException {
        Path config = dir.resolve("attach.properties");
        Properties settings = fixture.relayProperties(Map.of("database.host", hosts));
        settings.remove("database.port");
        try (Writer w = Files.newBufferedWriter(config)) {
            settings.store(w, null);
        }
        picocli.CommandLine cli = RelayCli.commandLine(Map.of("RELAY_ROLE_PASSWORD", ROLE_PASSWORD));
        cli.setOut(new java.io.PrintWriter(out));
        cli.setErr(new java.io.PrintWriter(out));
        return cli.execute("attach", "--config", config.toString(), "--create-role", ROLE);
    }

    /** An application writing small transactions through both hosts, on whichever is the primary, until told to stop. */
    private static void steadyLoad(PGSimpleDataSource onBoth, AtomicBoolean loading, AtomicLong batches) {
        SampleEventLoad.Plan small = new SampleEventLoad.Plan(20, 1, 1, 5, 10, 20, 100);
        while (loading.get()) {
            try {
                new SampleEventLoad(onBoth).run(small, n -> { });
                batches.incrementAndGet();
                Thread.sleep(20);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            catch (Exception e) {
                try {
                    Thread.sleep(200); // the primary is gone: the application retries, as it would
                }
                catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static Process startRelay(Path config, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
                RelayCli.class.getName(), "run", "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static boolean logged(Process process, Path log, String text) throws IOException {
        if (!process.isAlive()) {
            throw new AssertionError("relay exited with " + process.exitValue() + ":\n" + Files.readString(log));
        }
        return Files.readString(log).contains(text);
    }

    private static int httpPort(Path log) throws IOException {
        Matcher m = HTTP_PORT.matcher(Files.readString(log));
        assertThat(m.find()).as("the relay logs its HTTP port").isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** The relay's /status; null while it does not answer. */
    private static JsonNode status(URI base) {
        try {
            return new ObjectMapper().readTree(OpsHttp.get(base, "/status").body());
        }
        catch (IOException e) {
            return null;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static DeliveryCheck check(PGSimpleDataSource newPrimary, RelayFixture fixture) throws Exception {
        return DeliveryCheck.ofOutbox(newPrimary, fixture.kafka, List.of(fixture.topic("Order"), fixture.topic("Customer")),
                fixture.topicPrefix + ".dead-letter", IsolationLevel.READ_UNCOMMITTED);
    }

    private static PGSimpleDataSource dataSource(RelayFixture fixture, int... ports) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(java.util.Arrays.stream(ports).mapToObj(p -> "127.0.0.1").toArray(String[]::new));
        ds.setPortNumbers(ports);
        ds.setDatabaseName(fixture.database);
        ds.setTargetServerType(ports.length > 1 ? "primary" : "any");
        ds.setUser(fixture.postgres.superuser());
        ds.setPassword(fixture.postgres.superuserPassword());
        ds.setConnectTimeout(2);
        ds.setReWriteBatchedInserts(true);
        return ds;
    }

    private static boolean synced(PGSimpleDataSource standby, String slot) throws Exception {
        try (Connection c = standby.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT synced AND NOT temporary FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
