package io.outboxrelay.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
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

import io.outboxrelay.legacy.OutboxWriter;
import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.relay.routing.EventHeaders;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * The relay as a child process, as its least-privilege role, under a steady load, while faults are injected
 * (see RELIABILITY.md). After each scenario: every committed outbox event is in Kafka, per aggregate in commit
 * order once re-deliveries are dropped; the duplicates delivered and the recovery times are counted. The table
 * is printed at the end and written as JSON to {@code faults.results}.
 *
 * <p>The quick sizes run in the normal build; {@code -Pfaults} runs 20 faults per scenario.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultInjectionIntegrationTests {

    private final Sizes sizes = Sizes.current();
    private final FaultReport report = new FaultReport(sizes);
    private final Path logs = Path.of(System.getProperty("faults.log.dir", "target/fault-logs"));
    private PostgresInstance postgres;
    private KafkaInstance kafka;

    @BeforeAll
    void startInfrastructure() {
        // this class owns both servers: scenarios 3 and 4 crash and stop them
        CompletableFuture<KafkaInstance> broker = CompletableFuture.supplyAsync(Infrastructure::startKafka);
        postgres = Infrastructure.startPostgres();
        kafka = broker.join();
    }

    @AfterAll
    void printResults() {
        try {
            System.out.println("\nFault-injection results (" + (sizes.full() ? "full" : "quick") + " sizes):\n" + report.table());
            System.out.println("JSON: " + report.writeJson().toAbsolutePath());
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

    /**
     * Scenario 1. SIGKILL at random moments under load; once while the relay sends a single 10,000-row
     * transaction, once while a transaction stays open across the restart (begun before the kill, committed
     * after it). A killed relay re-sends what followed its last saved position, so duplicates are expected.
     */
    @Test
    @Order(1)
    void losesNothingAndKeepsOrderWhenKilledAtRandomMoments() throws Exception {
        try (ScenarioRun run = ScenarioRun.start(postgres, kafka, "kill", sizes, logs, Map.of())) {
            Set<UUID> openTransaction = Set.of();
            Set<UUID> bigTransaction = Set.of();
            Map<TopicPartition, Long> endAtBigKill = Map.of();
            for (int kill = 1; kill <= sizes.kills(); kill++) {
                run.pauseBeforeFault();
                Connection open = null;
                if (kill == 1) {
                    open = run.deployment.dataSource().getConnection();
                    openTransaction = beginOpenTransaction(open, 100);
                }
                if (kill == 2) {
                    bigTransaction = commitBigTransactionAndAwaitItsFirstEvents(run);
                }
                long fault = System.nanoTime();
                run.relay.kill();
                if (kill == 2) {
                    // after the kill: nothing more arrives from that relay
                    endAtBigKill = DeliveryCheck.endOffsets(kafka, run.deployment.eventTopics());
                }
                UUID probe = run.probe.write(Duration.ofSeconds(30));
                run.relay = run.deployment.startRelay("after-kill-" + kill);
                if (open != null) {
                    open.commit();
                    open.close();
                }
                run.awaitRecoveryOf(fault, probe);
            }
            DeliveryCheck check = run.finish();
            if (!openTransaction.isEmpty()) {
                run.note(deliveredOf(check, openTransaction) + " of the " + openTransaction.size() + " events of the transaction"
                        + " open across kill 1 delivered (committed after the restart)");
            }
            if (!bigTransaction.isEmpty()) {
                run.note("kill 2 hit the " + bigTransaction.size() + "-row transaction with " + countBefore(check, bigTransaction, endAtBigKill)
                        + " of its events in Kafka; after the restart " + deliveredOf(check, bigTransaction) + " delivered");
            }
            report.add(run.result("1 SIGKILL of the relay", sizes.kills() + " x SIGKILL", sizes.kills(), check));
            ScenarioRun.assertDeliveredCompletelyInOrder(check);
        }
    }

    /** Scenario 2. SIGTERM (graceful stop: in-flight sends acknowledged, position saved) then start: no duplicates. */
    @Test
    @Order(2)
    void sendsNoDuplicatesAcrossGracefulRestarts() throws Exception {
        try (ScenarioRun run = ScenarioRun.start(postgres, kafka, "graceful", sizes, logs, Map.of())) {
            for (int restart = 1; restart <= sizes.gracefulRestarts(); restart++) {
                run.pauseBeforeFault();
                long fault = System.nanoTime();
                int code = run.relay.terminate(Duration.ofSeconds(90));
                assertThat(code).as("exit code after SIGTERM:\n" + run.relay.log()).isEqualTo(RelayCli.EXIT_OK);
                UUID probe = run.probe.write(Duration.ofSeconds(30));
                run.relay = run.deployment.startRelay("after-stop-" + restart);
                run.awaitRecoveryOf(fault, probe);
            }
            DeliveryCheck check = run.finish();
            report.add(run.result("2 graceful stop/start", sizes.gracefulRestarts() + " x SIGTERM + start", sizes.gracefulRestarts(), check));
            ScenarioRun.assertDeliveredCompletelyInOrder(check);
            assertThat(check.duplicates).as("re-delivered after a graceful stop: " + check).isEmpty();
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
    private Set<UUID> commitBigTransactionAndAwaitItsFirstEvents(ScenarioRun run) throws Exception {
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
                if (r.offset() < limit && wanted.contains(DeliveryCheck.header(r, EventHeaders.EVENT_ID))) {
                    n++;
                }
            }
        }
        return n;
    }
}
