package io.outboxrelay.relay.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.testsupport.OpsHttp;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;

import picocli.CommandLine;

/** 'relay status' against real PostgreSQL and Kafka, with the relay stopped and running. */
class RelayStatusIntegrationTests {

    record Outcome(int exitCode, String stdout, String stderr) {
        JsonNode json() throws IOException {
            return new ObjectMapper().readTree(stdout);
        }
    }

    @TempDir
    Path dir;

    /** 2,000 events of ~700 B of WAL each are retained while the relay is away; after catching up, less than this. */
    private static final long CAUGHT_UP_BOUND_BYTES = 256 * 1024;

    /**
     * Debezium confirms to PostgreSQL the commit of the last transaction it finished, which it learns
     * of with the next record: without heartbeats, a relay that caught up after a burst keeps its slot
     * one transaction behind (here ~700 kB) until the next event. Heartbeats every 500 ms make it
     * confirm the end; restart_lsn then follows within seconds (measured: 1.4 MB to under 100 B).
     */
    @Test
    void walRetainedGrowsWhileTheRelayIsStoppedAndShrinksOnceItCaughtUp() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        Map<String, String> heartbeats = Map.of("heartbeat.interval.ms", "500");
        RelayConfig config = fixture.relayConfig(heartbeats);
        Path file = writeConfig(fixture, heartbeats);
        try (Relay relay = Relay.start(config)) {
            RelayOperationsIntegrationTests.insertEvents(fixture, 10);
            fixture.awaitDelivered(10);
        }

        JsonNode stopped = status(file, "--json").json();
        RelayOperationsIntegrationTests.insertEvents(fixture, 1_000);
        JsonNode first = status(file, "--json").json();
        RelayOperationsIntegrationTests.insertEvents(fixture, 1_000);
        JsonNode second = status(file, "--json").json();
        System.out.printf("wal_retained_bytes while stopped: %d, +1000 events %d, +2000 events %d%n",
                stopped.get("wal_retained_bytes").asLong(), first.get("wal_retained_bytes").asLong(),
                second.get("wal_retained_bytes").asLong());
        assertThat(stopped.get("slot_exists").asBoolean()).isTrue();
        assertThat(stopped.get("slot_active").asBoolean()).isFalse();
        assertThat(stopped.get("daemon_reachable").asBoolean()).isFalse();
        assertThat(stopped.get("saved_lsn").isNull()).as("a position was saved").isFalse();
        assertThat(second.get("restart_lsn").asText()).as("the slot holds its place while the relay is away")
                .isEqualTo(stopped.get("restart_lsn").asText());
        long perThousand = 1_000 * 400; // each event carries a 400-character note
        assertThat(first.get("wal_retained_bytes").asLong()).isGreaterThan(stopped.get("wal_retained_bytes").asLong() + perThousand);
        assertThat(second.get("wal_retained_bytes").asLong()).isGreaterThan(first.get("wal_retained_bytes").asLong() + perThousand);

        try (RelayOperations ops = RelayOperations.start(config); Relay relay = Relay.start(config, ops)) {
            fixture.awaitDelivered(2_010);
            List<String> trace = new ArrayList<>(); // restart_lsn confirmed_flush_lsn wal_retained_bytes
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                // a slot's restart_lsn moves when running transactions are logged: the background writer does so every
                // 15 s, checkpoints too; asking for it here saves the test that wait, not the relay any work
                fixture.sql("SELECT pg_log_standby_snapshot()");
                JsonNode now = status(file, "--json").json();
                trace.add(now.get("restart_lsn").asText() + " " + now.get("confirmed_flush_lsn").asText() + " "
                        + now.get("wal_retained_bytes").asLong());
                assertThat(now.get("wal_retained_bytes").asLong()).as(String.join(", ", trace))
                        .isLessThan(CAUGHT_UP_BOUND_BYTES);
            });
            System.out.println("after restart: " + trace);
            JsonNode caughtUp = status(file, "--json", "--daemon", ops.uri().toString()).json();
            assertThat(caughtUp.get("slot_active").asBoolean()).isTrue();
            assertThat(caughtUp.get("daemon_reachable").asBoolean()).isTrue();
            assertThat(caughtUp.get("state").asText()).isEqualTo("RUNNING");
            assertThat(caughtUp.get("events_relayed").asLong()).isEqualTo(2_000);
            assertThat(caughtUp.get("dead_letter_count").asLong()).isZero();

            String human = status(file, "--daemon", ops.uri().toString()).stdout();
            System.out.print(human);
            assertThat(human).contains("WAL retained").contains("RUNNING at " + ops.uri()).doesNotContain("outbox-test");
            assertThat(human.lines().map(RelayStatusIntegrationTests::valueColumn).distinct()).as("values in one column").hasSize(1);
        }
    }

    @Test
    void exactlyOnceStatusNamesTheTransactionsAndCountsDeadLettersNotTransactionMarkers() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        Map<String, String> exactlyOnce = Map.of("delivery.guarantee", "exactly-once");
        RelayConfig config = fixture.relayConfig(exactlyOnce);
        Path file = writeConfig(fixture, exactlyOnce);
        try (RelayOperations ops = RelayOperations.start(config); Relay relay = Relay.start(config, ops)) {
            RelayOperationsIntegrationTests.insertEvents(fixture, 10);
            fixture.sql("INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload)"
                    + " VALUES (gen_random_uuid(), 'not a topic', 'x', 'Bad', '{}')");
            RelayOperationsIntegrationTests.insertEvents(fixture, 10);
            await().atMost(Duration.ofSeconds(60)).until(() -> relay.stats().relayed() == 20 && relay.stats().deadLettered() == 1);

            JsonNode status = status(file, "--json", "--daemon", ops.uri().toString()).json();
            assertThat(status.get("delivery_guarantee").asText()).isEqualTo("exactly-once");
            assertThat(status.get("transactional_id").asText()).isEqualTo(config.get(RelayConfig.RELAY_NAME));
            assertThat(status.get("transactions_committed").asLong()).isPositive();
            assertThat(OpsHttp.sample(OpsHttp.get(ops.uri(), "/metrics").body(), "outbox_relay_transactions_committed_total"))
                    .as("the metric").isEqualTo(relay.stats().transactions()).isPositive();
            assertThat(status.get("last_transaction_committed_at").isNull()).isFalse();
            assertThat(status.get("dead_letter_count").asLong()).as("the dead letter, not its transaction's marker").isEqualTo(1);
            assertThat(status(file, "--daemon", ops.uri().toString()).stdout())
                    .contains("exactly-once (transactional.id " + config.get(RelayConfig.RELAY_NAME) + ")")
                    .contains(" committed, the last at ");
        }
    }

    @Test
    void missingSlotIsReportedWithAHintAndExitCode3() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        Outcome outcome = status(writeConfig(fixture, Map.of()), "--json");

        assertThat(outcome.exitCode()).isEqualTo(RelayCli.EXIT_STARTUP);
        assertThat(outcome.json().get("slot_exists").asBoolean()).isFalse();
        assertThat(outcome.stderr().strip()).startsWith("error: replication slot '").contains("does not exist")
                .contains("relay run");
        assertThat(outcome.stdout() + outcome.stderr()).doesNotContain(SharedInfrastructure.postgres().superuserPassword());
    }

    /** Where the value starts: after the label and at least two spaces. */
    private static int valueColumn(String line) {
        int gap = line.indexOf("  ");
        int column = gap;
        while (column < line.length() && line.charAt(column) == ' ') {
            column++;
        }
        return column;
    }

    private Outcome status(Path config, String... more) {
        List<String> args = new ArrayList<>(List.of("status", "--config", config.toString()));
        args.addAll(List.of(more));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = RelayCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args.toArray(String[]::new));
        Outcome outcome = new Outcome(code, out.toString(), err.toString());
        if (code != RelayCli.EXIT_OK && code != RelayCli.EXIT_STARTUP) {
            throw new AssertionError("status exited " + code + ": " + outcome);
        }
        return outcome;
    }

    private Path writeConfig(RelayFixture fixture, Map<String, String> overrides) throws IOException {
        Path file = Files.createTempFile(dir, "relay", ".properties");
        try (Writer w = Files.newBufferedWriter(file)) {
            fixture.relayProperties(overrides).store(w, null);
        }
        return file;
    }
}
