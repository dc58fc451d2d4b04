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
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
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
import io.outboxrelay.relay.testsupport.RelayProcesses;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.testkit.DeliveryCheck;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.PostgresInstance;
import io.outboxrelay.testkit.PostgresStandby;
import io.outboxrelay.testkit.PostgresVersion;

/**
 * Issue 17's failover on real servers: a PostgreSQL 17 primary and a streaming standby with slot synchronization;
 * {@code relay attach} (as the superuser, through both hosts) makes the relay's least-privilege role and its failover
 * slot; the relay runs as a child process ({@code relay run}) as that role with both hosts in {@code database.host}
 * (the standby listed first: it must pick the writable one) while an application writes a steady load through both
 * hosts ({@code targetServerType=primary}). The primary is killed ({@code pg_ctl stop -m immediate}) and the standby
 * promoted; the relay must find it by itself. The truth is the new primary's outbox: nothing of it may be missing from
 * Kafka, and Kafka may hold nothing the new primary does not have ({@code synchronized_standby_slots} holds the relay
 * back until the standby has what it is sent). Duplicates (at-least-once) are counted, per-aggregate order checked.
 *
 * <p>The default build does one failover at-least-once; {@code -Dfailovers=5} goes back and forth (the old primary
 * rebuilt as a standby of the new one on its own port each time), {@code -Dfailover.delivery=exactly-once} runs it with
 * Kafka transactions (RELIABILITY.md scenario 12).
 */
class FailoverIntegrationTests {

    private static final String STANDBY_SLOT = "outbox_standby";
    private static final String ROLE = "relay_failover";
    private static final String ROLE_PASSWORD = "failover-secret-7";

    @TempDir
    Path dir;

    @Test
    void theRelayFollowsThePromotedStandbyByItselfUnderLoadAndLosesNothing() throws Exception {
        int failovers = Integer.getInteger("failovers", 1);
        String delivery = System.getProperty("failover.delivery", "at-least-once");
        PostgresInstance primary = Infrastructure.startPostgres();
        List<PostgresInstance> servers = new ArrayList<>(List.of(primary));
        Process relay = null;
        AtomicBoolean loading = new AtomicBoolean(true);
        CompletableFuture<Void> load = null;
        Path log = dir.resolve("relay.log");
        try {
            RelayFixture fixture = new RelayFixture(primary, SharedInfrastructure.kafka());
            PostgresStandby standby = standBy(primary, 0, 0, servers, true);
            String hosts = "127.0.0.1:" + standby.port() + ",127.0.0.1:" + primary.port();
            StringWriter attached = new StringWriter();
            assertThat(attach(fixture, hosts, attached)).as(attached.toString()).isZero();
            assertThat(attached.toString()).contains("failover");
            PGSimpleDataSource onBoth = dataSource(fixture, primary.port(), standby.port());
            String slot = fixture.relayConfig().get(RelayConfig.SLOT_NAME);

            relay = RelayProcesses.start(relayConfig(fixture, hosts, Map.of("delivery.guarantee", delivery)), log);
            Process running = relay;
            await().atMost(Duration.ofSeconds(60)).until(() -> RelayProcesses.logged(running, log, "Relay state RUNNING"));
            URI base = URI.create("http://127.0.0.1:" + RelayProcesses.httpPort(log));
            assertThat(status(base).path("database_primary").asText()).isEqualTo("127.0.0.1:" + primary.port());

            AtomicLong batches = new AtomicLong();
            load = CompletableFuture.runAsync(() -> steadyLoad(onBoth, loading, batches));
            await().atMost(Duration.ofSeconds(60)).until(() -> status(base).path("events_relayed").asLong() >= 200);
            List<Long> firstEventMs = new ArrayList<>();
            for (int i = 1; i <= failovers; i++) {
                PGSimpleDataSource onStandby = dataSource(fixture, standby.port());
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> synced(onStandby, slot));
                PostgresStandby.killPrimary(primary);
                standby.promote();
                long promoted = System.nanoTime();
                String newPrimary = "127.0.0.1:" + standby.port();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    JsonNode s = status(base);
                    return s != null && newPrimary.equals(s.path("database_primary").asText()) && s.path("events_relayed").asLong() > 0;
                });
                firstEventMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - promoted));
                assertThat(Files.readString(log)).contains("PostgreSQL primary moved from 127.0.0.1:" + primary.port() + " to "
                        + newPrimary);
                long batchesNow = batches.get();
                await().atMost(Duration.ofSeconds(30)).until(() -> batches.get() > batchesNow + 20);
                if (i < failovers) { // the old primary comes back on its port as a standby of the new one
                    PostgresStandby rebuilt = standBy(standby, i, primary.port(), servers, true);
                    primary = standby;
                    standby = rebuilt;
                }
                else {
                    primary = standby;
                }
            }
            loading.set(false);
            load.join();

            PGSimpleDataSource onPrimary = dataSource(fixture, primary.port());
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> check(onPrimary, fixture).lost.isEmpty());
            DeliveryCheck check = check(onPrimary, fixture);
            System.out.printf("failover (" + delivery + "): %d failovers, %d events on the last primary, %s; promotion to the relay's first"
                    + " event on the new primary: %s ms%n", failovers, check.committed, check, firstEventMs);
            assertThat(check.lost).isEmpty();
            assertThat(check.unexpected).as("events in Kafka the new primary never had").isEmpty();
            assertThat(check.orderViolations).isEmpty();
            assertThat(Files.readString(log)).doesNotContain(ROLE_PASSWORD);
            assertThat(relay.isAlive()).as("the relay process kept running across the failovers").isTrue();
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
            java.util.Collections.reverse(servers);
            servers.forEach(PostgresInstance::close);
        }
    }

    /**
     * A standby of {@code primary} on {@code port} (0: a free one), through the physical slot outbox_standby_N, which the primary then
     * waits for before it sends logical changes ({@code synchronized_standby_slots}).
     */
    private static PostgresStandby standBy(PostgresInstance primary, int n, int port, List<PostgresInstance> servers,
                                           boolean synchronizedSlots) throws Exception {
        String physicalSlot = STANDBY_SLOT + "_" + n;
        PostgresStandby standby = port == 0 ? PostgresStandby.start(primary, physicalSlot)
                : PostgresStandby.start(primary, physicalSlot, port);
        servers.add(standby);
        if (!synchronizedSlots) {
            return standby;
        }
        try (Connection c = primary.dataSource("postgres").getConnection(); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET synchronized_standby_slots = '" + physicalSlot + "'");
            st.execute("SELECT pg_reload_conf()");
        }
        return standby;
    }

    /**
     * PostgreSQL 16 has no failover slots: the promoted standby lacks the relay's slot. The relay follows it all the
     * same, and its pre-flight there refuses with the gap line (exit 3, the supervisor's cue for a person); the way out
     * the line names ({@code relay attach}, then {@code recovery.resend.since}) re-sends what the failover skipped:
     * nothing committed on the new primary is lost. Without synchronized_standby_slots (17+) the relay may have sent
     * events the standby never received (asynchronous replication): counted, not asserted.
     */
    @Test
    void onPostgres16TheFailoverEndsInTheGapRefusalAndResendingSinceItLosesNothing() throws Exception {
        PostgresVersion postgres16 = PostgresVersion.fromBinariesJar(Path.of(System.getProperty("outbox.test.postgres16-jar")));
        PostgresInstance primary = Infrastructure.startPostgres(postgres16, Map.of());
        List<PostgresInstance> servers = new ArrayList<>(List.of(primary));
        List<Process> relays = new ArrayList<>();
        AtomicBoolean loading = new AtomicBoolean(true);
        CompletableFuture<Void> load = null;
        try {
            RelayFixture fixture = new RelayFixture(primary, SharedInfrastructure.kafka());
            PostgresStandby standby = standBy(primary, 0, 0, servers, false);
            String hosts = "127.0.0.1:" + standby.port() + ",127.0.0.1:" + primary.port();
            StringWriter refused = new StringWriter();
            assertThat(attach(fixture, hosts, Map.of("slot.failover", "true"), refused)).as(refused.toString()).isNotZero();
            assertThat(refused.toString()).contains("slot.failover=true needs PostgreSQL 17 or later, and this server runs 16");
            StringWriter attached = new StringWriter();
            assertThat(attach(fixture, hosts, attached)).as(attached.toString()).isZero();
            Path log = dir.resolve("relay-16.log");
            Process relay = RelayProcesses.start(relayConfig(fixture, hosts, Map.of()), log);
            relays.add(relay);
            await().atMost(Duration.ofSeconds(60)).until(() -> RelayProcesses.logged(relay, log, "Relay state RUNNING"));
            URI base = URI.create("http://127.0.0.1:" + RelayProcesses.httpPort(log));
            PGSimpleDataSource onBoth = dataSource(fixture, primary.port(), standby.port());
            AtomicLong batches = new AtomicLong();
            load = CompletableFuture.runAsync(() -> steadyLoad(onBoth, loading, batches));
            await().atMost(Duration.ofSeconds(60)).until(() -> status(base).path("events_relayed").asLong() >= 200);

            PostgresStandby.killPrimary(primary);
            standby.promote();
            assertThat(relay.waitFor(90, TimeUnit.SECONDS)).as("the relay stops at the gap").isTrue();
            String output = Files.readString(log);
            assertThat(relay.exitValue()).as(output).isEqualTo(RelayCli.EXIT_STARTUP);
            assertThat(output).contains("but PostgreSQL 16 has no failover slots", // pre-flight's warning at the start
                    "PostgreSQL primary moved from 127.0.0.1:" + primary.port(),
                    "' does not exist on 127.0.0.1:" + standby.port(), "recovery.resend.since=");
            Matcher since = Pattern.compile("recovery\\.resend\\.since=(\\S+)").matcher(output);
            assertThat(since.find()).isTrue();

            // the way out the line names: recovery.resend.since in the configuration, attach (a slot on the new
            // primary, SELECT for the re-send), start
            Map<String, String> resendSince = Map.of("recovery.resend.since", since.group(1));
            StringWriter reattached = new StringWriter();
            assertThat(attach(fixture, hosts, resendSince, reattached)).as(reattached.toString()).isZero();
            Path log2 = dir.resolve("relay-16-resend.log");
            Process resend = RelayProcesses.start(relayConfig(fixture, hosts, resendSince), log2);
            relays.add(resend);
            await().atMost(Duration.ofSeconds(60)).until(() -> RelayProcesses.logged(resend, log2, "Relay state RUNNING"));
            long batchesNow = batches.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> batches.get() > batchesNow + 20);
            loading.set(false);
            load.join();

            PGSimpleDataSource onNewPrimary = dataSource(fixture, standby.port());
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> check(onNewPrimary, fixture).lost.isEmpty());
            DeliveryCheck check = check(onNewPrimary, fixture);
            System.out.printf("failover on PostgreSQL 16: refused at the gap, re-sent since %s: %d events on the new primary,"
                    + " %s%n", since.group(1), check.committed, check);
            assertThat(check.lost).isEmpty();
        }
        finally {
            loading.set(false);
            if (load != null) {
                load.exceptionally(e -> null).join();
            }
            for (Process relay : relays) {
                relay.destroy();
                if (!relay.waitFor(60, TimeUnit.SECONDS)) {
                    relay.destroyForcibly();
                }
            }
            java.util.Collections.reverse(servers);
            servers.forEach(PostgresInstance::close);
        }
    }

    /** The relay's configuration file: both hosts, the least-privilege role, and {@code extra}. */
    private Path relayConfig(RelayFixture fixture, String hosts, Map<String, String> extra) throws IOException {
        Map<String, String> overrides = new java.util.HashMap<>(Map.of("database.host", hosts, "database.user", ROLE,
                "database.password", ROLE_PASSWORD, "snapshot.mode", "no_data"));
        overrides.putAll(extra);
        Properties settings = fixture.relayProperties(overrides);
        settings.remove("database.port");
        Path config = Files.createTempFile(dir, "relay", ".properties");
        try (Writer w = Files.newBufferedWriter(config)) {
            settings.store(w, null);
        }
        return config;
    }

    /** {@code relay attach --create-role} as the superuser, through both hosts: it must find the writable one. */
    private int attach(RelayFixture fixture, String hosts, StringWriter out) throws IOException {
        return attach(fixture, hosts, Map.of(), out);
    }

    private int attach(RelayFixture fixture, String hosts, Map<String, String> extra, StringWriter out) throws IOException {
        Map<String, String> settings = new java.util.HashMap<>(extra);
        settings.put("database.host", hosts);
        return fixture.attach(dir, settings, Map.of("RELAY_ROLE_PASSWORD", ROLE_PASSWORD), out, "--create-role", ROLE);
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

    /** Against the outbox of {@code newPrimary}, as a read_committed consumer sees Kafka (exactly-once aborts some). */
    private static DeliveryCheck check(PGSimpleDataSource newPrimary, RelayFixture fixture) throws Exception {
        return DeliveryCheck.ofOutbox(newPrimary, fixture.kafka, List.of(fixture.topic("Order"), fixture.topic("Customer")),
                fixture.topicPrefix + ".dead-letter", IsolationLevel.READ_COMMITTED);
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
