package io.outboxrelay.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.sql.OutboxHeaders;
import io.outboxrelay.sql.OutboxWriter;
import io.outboxrelay.testkit.DeliveryCheck;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * The relay as a child process, as its least-privilege role, under a steady load, while faults are injected
 * (see RELIABILITY.md). After each scenario: every committed outbox event is in Kafka, per aggregate in commit
 * order once re-deliveries are dropped; the duplicates delivered and the recovery times are counted. The table
 * is printed at the end and written as JSON to {@code faults.results}.
 *
 * <p>The quick sizes run in the normal build; {@code -Pfaults} runs 20 faults per scenario. The relay is
 * at-least-once here; {@link ExactlyOnceFaultInjectionIntegrationTests} runs the same scenarios exactly-once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultInjectionIntegrationTests {

    final Sizes sizes = Sizes.current();
    private final FaultReport report = new FaultReport(sizes, suffix());
    private final Path logs = Path.of(System.getProperty("faults.log.dir", "target/fault-logs") + suffix());
    private PostgresInstance postgres;
    private KafkaInstance kafka;
    private RelayUnderFaults run;

    @BeforeAll
    void start() throws Exception {
        deleteOldLogs();
        // this class owns both servers: scenarios 3 and 4 crash and stop them
        CompletableFuture<KafkaInstance> broker = CompletableFuture.supplyAsync(Infrastructure::startKafka);
        postgres = Infrastructure.startPostgres();
        kafka = broker.join();
        Map<String, String> settings = new java.util.LinkedHashMap<>(sizes.relaySettings());
        settings.put("delivery.guarantee", deliveryGuarantee());
        run = RelayUnderFaults.start(postgres, kafka, sizes, logs, settings);
    }

    /** The relay's delivery.guarantee for these scenarios. */
    String deliveryGuarantee() {
        return "at-least-once";
    }

    /** What the results file's and the log directory's names end with: "" here, "-exactly-once" there. */
    String suffix() {
        return "";
    }

    /**
     * Whether the quick variant runs scenario {@code n} in this mode: scenario 2 in neither (cdc-relay's
     * RelayDeliveryIntegrationTests restarts gracefully in every build), 3 only exactly-once (Debezium reconnects the
     * same way in both modes, and there a restart in-process resumed from a stale position once), 4 only at-least-once
     * (its producer replacement; exactly-once's commit timeout is unit-tested). The full run runs all four in both.
     */
    void assumeQuickRuns(int n) {
        boolean exactlyOnce = deliveryGuarantee().equals("exactly-once");
        boolean runs = sizes.full() || n == 1 || n == 3 && exactlyOnce || n == 4 && !exactlyOnce;
        org.junit.jupiter.api.Assumptions.assumeTrue(runs, "quick sizes run scenario " + n + " only "
                + (n == 2 ? "in the full run (-Pfaults)" : n == 3 ? "exactly-once" : "at-least-once")
                + "; -Pfaults runs every scenario in both modes");
    }

    /** Exactly-once: no scenario may deliver a duplicate to a read_committed reader. */
    private void assertNoDuplicatesIfExactlyOnce(Scenario scenario) {
        if (deliveryGuarantee().equals("exactly-once")) {
            assertThat(scenario.duplicatesDelivered()).as("duplicates seen by a read_committed reader, exactly-once: "
                    + scenario.check()).isZero();
        }
    }

    @AfterAll
    void stop() throws Exception {
        Integer exitCode = null;
        try {
            if (run != null) {
                exitCode = run.stop();
            }
            System.out.println("\nFault-injection results (" + (sizes.full() ? "full" : "quick") + " sizes):\n" + report.table());
            System.out.println("JSON: " + report.writeJson().toAbsolutePath());
        }
        finally {
            try {
                if (run != null) {
                    run.close();
                }
            }
            finally {
                if (kafka != null) {
                    kafka.close();
                }
                if (postgres != null) {
                    postgres.close();
                }
            }
        }
        assertThat(exitCode).as("the relay's exit code after the final SIGTERM").isEqualTo(RelayCli.EXIT_OK);
        assertThat(filesNaming(Deployment.ROLE_PASSWORD)).as("relay logs that print the relay role's password").isEmpty();
    }

    /** The files in the log directory (every relay's output and configuration file) that contain {@code secret}. */
    private List<Path> filesNaming(String secret) throws IOException {
        List<Path> found = new ArrayList<>();
        try (var files = Files.list(logs)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.readString(file, StandardCharsets.ISO_8859_1).contains(secret)) {
                    found.add(file);
                }
            }
        }
        return found;
    }

    /**
     * Scenario 1. SIGKILL at random moments under load; once while the relay sends a single transaction of
     * 10,000 rows (3,000 in the quick variant), once while a transaction stays open across the restart (begun
     * before the kill, committed after it). A killed relay re-sends what followed its last saved position, so
     * duplicates are expected.
     */
    @Test
    @Order(1)
    void losesNothingAndKeepsOrderWhenKilledAtRandomMoments() throws Exception {
        Scenario scenario = run.begin("1 SIGKILL of the relay");
        // the quick variant kills once, in a big transaction with another one open
        int openAt = 1;
        int bigAt = Math.min(2, sizes.kills());
        Set<UUID> openTransaction = Set.of();
        Set<UUID> bigTransaction = Set.of();
        Map<TopicPartition, Long> endAtBigKill = Map.of();
        for (int kill = 1; kill <= sizes.kills(); kill++) {
            run.pauseBeforeFault();
            Connection open = null;
            if (kill == openAt) {
                open = run.deployment.dataSource().getConnection();
                openTransaction = beginOpenTransaction(open, 100);
            }
            if (kill == bigAt) {
                bigTransaction = commitBigTransactionAndAwaitItsFirstEvents();
            }
            long fault = run.faultBegins("kill " + kill);
            run.relay().kill();
            if (kill == bigAt) {
                // after the kill: nothing more arrives from that relay
                endAtBigKill = DeliveryCheck.endOffsets(kafka, run.deployment.eventTopics());
            }
            UUID probe = run.probe.write(Duration.ofSeconds(30));
            run.startRelay("after-kill-" + kill);
            if (open != null) {
                open.commit();
                open.close();
            }
            run.awaitRecoveryOf(fault, probe);
        }
        ScenarioResult result = run.end(scenario, sizes.kills() + " x SIGKILL", sizes.kills());
        DeliveryCheck check = scenario.check();
        scenario.note(deliveredOf(check, openTransaction) + " of the " + openTransaction.size() + " events of the transaction"
                + " open across kill " + openAt + " delivered (begun before the kill, committed after the restart)");
        scenario.note("kill " + bigAt + " hit the " + bigTransaction.size() + "-row transaction with "
                + countBefore(check, bigTransaction, endAtBigKill) + " of its events in Kafka; after the restart "
                + deliveredOf(check, bigTransaction) + " delivered");
        report.add(result.withNotes(scenario.notes));
        scenario.assertDeliveredCompletelyInOrder();
        assertNoDuplicatesIfExactlyOnce(scenario);
    }

    /** Scenario 2. SIGTERM (graceful stop: in-flight sends acknowledged, position saved) then start: no duplicates. */
    @Test
    @Order(2)
    void sendsNoDuplicatesAcrossGracefulRestarts() throws Exception {
        assumeQuickRuns(2);
        Scenario scenario = run.begin("2 graceful stop/start");
        int rejected = 0;
        for (int restart = 1; restart <= sizes.gracefulRestarts(); restart++) {
            run.pauseBeforeFault();
            long fault = run.faultBegins("graceful stop " + restart);
            int code = run.relay().terminate(Duration.ofSeconds(90));
            assertThat(code).as("exit code after SIGTERM:\n" + run.relay().log()).isEqualTo(RelayCli.EXIT_OK);
            if (run.relay().log().contains("RejectedExecutionException")) {
                rejected++; // Debezium's engine raced its own close(); see Relay.isRejectedByStoppingEngine
            }
            UUID probe = run.probe.write(Duration.ofSeconds(30));
            run.startRelay("after-stop-" + restart);
            run.awaitRecoveryOf(fault, probe);
        }
        if (rejected > 0) {
            scenario.note(rejected + " of the stops met Debezium's engine rejecting the batch it was handing over while"
                    + " closing; stopped cleanly all the same (exit 0)");
        }
        report.add(run.end(scenario, sizes.gracefulRestarts() + " x SIGTERM + start", sizes.gracefulRestarts()));
        scenario.assertDeliveredCompletelyInOrder();
        assertThat(scenario.duplicatesDelivered()).as("re-delivered after graceful stops: " + scenario.check()).isZero();
    }

    /**
     * Scenario 3. PostgreSQL crash-restarted ({@code pg_ctl restart -m immediate}) and the relay's WAL sender
     * terminated ({@code pg_terminate_backend}), alternately: the relay reconnects by itself and resumes.
     */
    @Test
    @Order(3)
    void reconnectsByItselfWhenPostgresCrashesOrItsWalSenderIsTerminated() throws Exception {
        assumeQuickRuns(3);
        Scenario scenario = run.begin("3 PostgreSQL crash / WAL sender terminated");
        int crashes = 0;
        int terminations = 0;
        for (int fault = 1; fault <= sizes.databaseFaults(); fault++) {
            run.pauseBeforeFault();
            if (fault % 2 == 1) {
                long start = run.faultBegins("PostgreSQL crash-restart " + (crashes + 1));
                postgres.restartImmediately();
                crashes++;
                run.awaitRecovery(start);
            }
            else {
                int walSender = awaitWalSender();
                long start = run.faultBegins("WAL sender termination " + (terminations + 1));
                terminate(walSender);
                terminations++;
                run.awaitRecovery(start);
            }
        }
        int exits = run.exits() - scenario.exitsBefore;
        if (exits == 0) {
            scenario.note("the relay never exited: it reconnected by itself each time (Debezium's retriable errors)");
        }
        report.add(run.end(scenario, crashes + " x pg_ctl restart -m immediate + " + terminations
                + " x pg_terminate_backend(WAL sender)", crashes + terminations));
        scenario.assertDeliveredCompletelyInOrder();
        assertNoDuplicatesIfExactlyOnce(scenario);
        assertThat(exits).as("times the relay exited instead of reconnecting").isZero();
    }

    /**
     * Scenario 4. The broker stopped for longer than the producer's delivery timeout, then started again:
     * nothing is marked processed without an acknowledgement, so nothing is lost once Kafka is back.
     */
    @Test
    @Order(4)
    void marksNothingProcessedWithoutAnAckWhileKafkaIsDown() throws Exception {
        assumeQuickRuns(4);
        Scenario scenario = run.begin("4 Kafka down > delivery timeout");
        for (int outage = 1; outage <= sizes.kafkaOutages(); outage++) {
            run.pauseBeforeFault();
            long down = run.faultBegins("Kafka outage " + outage);
            kafka.stopBroker();
            int exitsBefore = run.exits();
            // down for longer than the delivery timeout, and until the relay gave up (3 minutes at most)
            long giveUp = down + Duration.ofMinutes(3).toNanos();
            while (System.nanoTime() - down < sizes.kafkaDowntime().toNanos()
                    || run.exits() == exitsBefore && System.nanoTime() < giveUp) {
                run.supervise();
                Probe.sleep(Duration.ofMillis(100));
            }
            kafka.startBroker();
            long up = System.nanoTime();
            scenario.note("outage " + outage + ": broker down " + ScenarioResult.seconds(ScenarioResult.millis(down, up)));
            assertThat(run.exits()).as("the relay exits (1, with an error line) while Kafka is down").isGreaterThan(exitsBefore);
            run.awaitRecovery(up);
        }
        report.add(run.end(scenario, sizes.kafkaOutages() + " x broker stopped >= " + sizes.kafkaDowntime().toSeconds()
                + " s, until the relay exited (delivery.timeout.ms " + sizes.deliveryTimeout().toMillis() + ")", sizes.kafkaOutages()));
        scenario.assertDeliveredCompletelyInOrder();
        assertNoDuplicatesIfExactlyOnce(scenario);
    }

    private void deleteOldLogs() throws IOException {
        if (Files.isDirectory(logs)) {
            try (var files = Files.list(logs)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.delete(file);
                }
            }
        }
    }

    /** The PID of the WAL sender streaming to the relay, once the relay has (re)connected. */
    private int awaitWalSender() {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            try (Connection c = run.deployment.dataSource().getConnection();
                 PreparedStatement ps = c.prepareStatement(
                         "SELECT active_pid FROM pg_replication_slots WHERE slot_name = ? AND active")) {
                ps.setString(1, run.deployment.slotName);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : 0;
                }
            }
        }, pid -> pid > 0);
    }

    private void terminate(int pid) throws Exception {
        try (Connection c = run.deployment.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next() && rs.getBoolean(1)).as("WAL sender " + pid + " terminated").isTrue();
            }
        }
    }

    /** Writes {@code events} outbox rows of aggregate open-tx in a transaction it leaves open. */
    private static Set<UUID> beginOpenTransaction(Connection connection, int events) throws Exception {
        connection.setAutoCommit(false);
        List<OutboxWriter.NewEvent> batch = new ArrayList<>();
        for (int version = 1; version <= events; version++) {
            UUID id = UUID.randomUUID();
            batch.add(new OutboxWriter.NewEvent(id, "Order", "open-tx", "OpenTransactionEvent",
                    "{\"aggregateId\":\"open-tx\",\"version\":" + version + "}", null, null));
        }
        new OutboxWriter().write(connection, batch);
        Set<UUID> ids = new HashSet<>();
        batch.forEach(e -> ids.add(e.eventId()));
        return ids;
    }

    /**
     * Commits one transaction of {@code sizes.bigTransactionRows()} events (on the load's aggregates, so it
     * interleaves with the steady load in commit order) and returns once a thousand records more than before
     * are in Kafka: the relay is then in the middle of it.
     */
    private Set<UUID> commitBigTransactionAndAwaitItsFirstEvents() throws Exception {
        long before = DeliveryCheck.endOffsetSum(kafka, run.deployment.eventTopics());
        int rows = sizes.bigTransactionRows();
        SampleEventLoad.Result big = new SampleEventLoad(run.deployment.dataSource())
                .run(new SampleEventLoad.Plan(rows, 1, rows, rows, 0, SteadyLoad.AGGREGATES, 200), n -> { });
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (DeliveryCheck.endOffsetSum(kafka, run.deployment.eventTopics()) < before + 1_000 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        Set<UUID> ids = new HashSet<>();
        big.committed().forEach(w -> ids.add(w.eventId()));
        return ids;
    }

    private static long deliveredOf(DeliveryCheck check, Set<UUID> ids) {
        return ids.stream().filter(id -> !check.lost.contains(id)).count();
    }

    /** How many of {@code ids} were in Kafka below the given end offsets. */
    private static long countBefore(DeliveryCheck check, Set<UUID> ids, Map<TopicPartition, Long> end) {
        Set<String> wanted = new HashSet<>();
        ids.forEach(id -> wanted.add(id.toString()));
        long n = 0;
        for (Map.Entry<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> e : check.records.entrySet()) {
            long limit = end.getOrDefault(e.getKey(), 0L);
            for (ConsumerRecord<byte[], byte[]> r : e.getValue()) {
                if (r.offset() < limit && wanted.contains(DeliveryCheck.header(r, OutboxHeaders.EVENT_ID))) {
                    n++;
                }
            }
        }
        return n;
    }
}
