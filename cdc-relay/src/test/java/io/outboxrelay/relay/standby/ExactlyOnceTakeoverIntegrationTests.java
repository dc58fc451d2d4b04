package io.outboxrelay.relay.standby;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.Writer;
import java.net.URI;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.RelayFailedException;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.ProducerSettings;
import io.outboxrelay.relay.testsupport.Delivery;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.RelayProcesses;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.relay.testsupport.TestRunLogs;
import io.outboxrelay.sql.OutboxHeaders;
import io.outboxrelay.testkit.DeliveryCheck;

/**
 * Scenario 8, exactly-once: the active relay is frozen (SIGSTOP, as a long GC pause or a suspended VM) and its WAL sender
 * dropped (as {@code wal_sender_timeout} does after a minute); the standby takes over, and with the relay's transactional
 * id it fences the frozen one. Resumed (SIGCONT), the old relay cannot make a single record visible: a
 * {@code read_committed} reader, ours and Kafka's own console consumer, sees every event exactly once.
 */
class ExactlyOnceTakeoverIntegrationTests {

    /** kafka-console-consumer's line with print.headers=true: the headers, then the value, separated by a tab. */
    private static final Pattern EVENT_ID = Pattern.compile("eventId:([0-9a-f-]{36})");

    @TempDir
    Path dir;

    @Test
    void aFrozenRelayResumedAfterTheTakeoverIsFencedAndReadersSeeEveryEventOnce() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        Path config = dir.resolve("relay.properties");
        try (Writer w = Files.newBufferedWriter(config)) {
            fixture.relayProperties(Map.of("standby", "true", "delivery.guarantee", "exactly-once")).store(w, null);
        }
        Path oldLog = TestRunLogs.file("exactly-once-takeover-old.log");
        Path newLog = TestRunLogs.file("exactly-once-takeover-new.log");
        Process old = RelayProcesses.start(config, oldLog);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                .until(() -> RelayProcesses.logged(old, oldLog, "Relay state RUNNING"));
        Process standby = RelayProcesses.start(config, newLog);
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> RelayProcesses.logged(standby, newLog, "Standing by: "));
            URI standbyHttp = URI.create("http://127.0.0.1:" + RelayProcesses.httpPort(newLog));
            HotStandbyIntegrationTests.SteadyLoad load = new HotStandbyIntegrationTests.SteadyLoad(fixture);
            SampleEventLoad.Result big = null;
            List<String> topics = fixture.sampleTopics();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> fixture.endOffsetSum(topics) >= 100);
                // freeze it in the middle of a big transaction, with events read and not yet committed to Kafka
                long before = fixture.endOffsetSum(topics);
                big = new SampleEventLoad(fixture.dataSource()).run(new SampleEventLoad.Plan(5_000, 1, 5_000, 5_000, 0, 40, 100),
                        n -> { });
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                        .until(() -> fixture.endOffsetSum(topics) >= before + 500);
                signal("STOP", old);
                terminateWalSender(fixture, "slot_" + fixture.topicPrefix.replace('-', '_'));
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                        .until(() -> RelayProcesses.logged(standby, newLog, "Relay state RUNNING"));
                await().atMost(Duration.ofSeconds(60)).until(() -> HotStandbyIntegrationTests.eventsRelayed(standbyHttp) > 0);
                signal("CONT", old);
                // the old relay wakes with whatever it had read before it froze, and tries to commit it (fenced); with
                // nothing read, Debezium retries the slot, which the new relay holds (nothing sent either way)
                old.waitFor(5, TimeUnit.SECONDS);
            }
            finally {
                load.stop();
            }
            List<SampleEventLoad.Result> loads = new ArrayList<>(load.results);
            loads.add(big);
            SampleEventLoad.Result written = Delivery.merge(loads);
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> readCommitted(fixture, written)
                    .lost.isEmpty());
            Delivery delivery = readCommitted(fixture, written);
            System.out.printf("exactly-once takeover: %d events, %s; the old relay %s%n", written.committed().size(), delivery,
                    old.isAlive() ? "still runs (refused by the slot, nothing sent)" : "exited with " + old.exitValue());

            assertThat(delivery.lost).isEmpty();
            assertThat(delivery.duplicates).as("events a read_committed reader sees twice").isEmpty();
            assertThat(delivery.orderViolations).isEmpty();
            assertThat(delivery.fromRolledBack).isEmpty();
            assertThat(delivery.misrouted).isEmpty();
            List<String> consoleIds = consoleConsumerEventIds(fixture, topics, delivery.delivered);
            assertThat(consoleIds).as("kafka-console-consumer --isolation-level read_committed: each event once")
                    .hasSize(written.committed().size()).doesNotHaveDuplicates();
            if (!old.isAlive()) {
                assertThat(old.exitValue()).as(Files.readString(oldLog)).isNotZero();
                System.out.println("exactly-once takeover: the old relay's last line: " + Files.readAllLines(oldLog).stream()
                        .filter(l -> l.startsWith("error: ")).findFirst().orElse("(none)"));
            }
        }
        finally {
            old.destroyForcibly();
            standby.destroyForcibly();
            old.waitFor(30, TimeUnit.SECONDS);
            standby.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Fencing on its own, deterministically: a producer with the relay's transactional id (what a standby's start does)
     * takes the id over while the relay runs; the relay's next batch is refused, it stops with one line, and nothing it
     * tried to send becomes visible to a read_committed reader.
     */
    @Test
    void aRelayWhoseTransactionalIdIsTakenOverStopsAndMakesNothingMoreVisible() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        RelayConfig config = fixture.relayConfig(Map.of("delivery.guarantee", "exactly-once"));
        try (Relay relay = Relay.start(config)) {
            SampleEventLoad.Result before = new SampleEventLoad(fixture.dataSource())
                    .run(new SampleEventLoad.Plan(20, 1, 5, 5, 0, 5, 50), n -> { });
            await().atMost(Duration.ofSeconds(60)).until(() -> relay.stats().relayed() == 20);
            try (KafkaProducer<byte[], byte[]> usurper = new KafkaProducer<>(ProducerSettings.transactional(config))) {
                usurper.initTransactions();
            }
            SampleEventLoad.Result after = new SampleEventLoad(fixture.dataSource())
                    .run(new SampleEventLoad.Plan(20, 1, 5, 5, 0, 5, 50), n -> { });
            assertThatThrownBy(relay::awaitTermination).isInstanceOf(RelayFailedException.class)
                    .hasMessageContaining("another relay took over transactional.id");
            assertThat(relay.state()).isEqualTo(Relay.State.FAILED);

            Delivery seen = readCommitted(fixture, before);
            assertThat(seen.lost).isEmpty();
            assertThat(seen.duplicates).isEmpty();
            Set<UUID> refused = new HashSet<>();
            after.committed().forEach(w -> refused.add(w.eventId()));
            assertThat(seen.misrouted).as("events committed after the takeover are nowhere to be read").isEmpty();
            assertThat(DeliveryCheck.readAll(fixture.kafka, fixture.sampleTopics(), IsolationLevel.READ_COMMITTED).values()
                    .stream().flatMap(List::stream).map(r -> UUID.fromString(DeliveryCheck.header(r, OutboxHeaders.EVENT_ID))))
                    .doesNotContainAnyElementsOf(refused);
        }
    }

    private static Delivery readCommitted(RelayFixture fixture, SampleEventLoad.Result written) {
        return Delivery.compare(written, fixture.topicPrefix,
                DeliveryCheck.readAll(fixture.kafka, fixture.sampleTopics(), IsolationLevel.READ_COMMITTED));
    }

    private static void signal(String signal, Process process) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -" + signal).isZero();
    }

    /** What wal_sender_timeout does to a frozen relay's replication connection, at once. */
    private static void terminateWalSender(RelayFixture fixture, String slot) throws Exception {
        try (Connection c = fixture.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                     + " WHERE slot_name = ? AND active")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next() && rs.getBoolean(1)).as("the frozen relay's WAL sender terminated").isTrue();
            }
        }
    }

    /**
     * Kafka's own console consumer, in a JVM of its own, reading the topics from the beginning with
     * {@code --isolation-level read_committed} until more than {@code expected} records came or it waited 3 s for more.
     */
    private List<String> consoleConsumerEventIds(RelayFixture fixture, List<String> topics, int expected) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path out = dir.resolve("console-consumer.out");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "org.apache.kafka.tools.consumer.ConsoleConsumer", "--bootstrap-server", fixture.kafka.bootstrapServers(),
                "--include", String.join("|", topics.stream().map(Pattern::quote).toList()), "--from-beginning",
                "--isolation-level", "read_committed", "--max-messages", String.valueOf(expected + 1), "--timeout-ms", "3000",
                "--property", "print.headers=true"));
        Process console = new ProcessBuilder(command).redirectErrorStream(false).redirectOutput(out.toFile())
                .redirectError(dir.resolve("console-consumer.err").toFile()).start();
        assertThat(console.waitFor(120, TimeUnit.SECONDS)).as("kafka-console-consumer ends").isTrue();
        List<String> ids = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            Matcher m = EVENT_ID.matcher(line);
            if (m.find()) {
                ids.add(m.group(1));
            }
        }
        return ids;
    }
}
