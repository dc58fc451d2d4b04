package io.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.relay.testsupport.Delivery;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.relay.testsupport.TestRunLogs;
import io.outboxrelay.sql.OutboxHeaders;
import io.outboxrelay.testkit.DeliveryCheck;

/** The relay as a real child JVM, killed with SIGKILL and stopped with SIGTERM. */
class RelayProcessIntegrationTests {

    @TempDir
    Path dir;

    @Test
    void losesNothingAfterKill9AndDuplicatesOnlyEventsAfterTheSavedPosition() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        Path config = writeConfig(fixture);
        List<String> topics = fixture.sampleTopics();
        AtomicLong committed = new AtomicLong();

        Process first = startRelay(config, TestRunLogs.file("relay-process-1.log"));
        CompletableFuture<SampleEventLoad.Result> load = CompletableFuture.supplyAsync(() -> {
            try {
                return new SampleEventLoad(fixture.dataSource())
                        .run(new SampleEventLoad.Plan(10_000, 4, 1, 100, 10, 200, 200), committed::set);
            }
            catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(120)).until(() -> fixture.endOffsetSum(topics) >= 2_000 || load.isDone());
        first.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no position saved
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Map<TopicPartition, Long> endAtKill = fixture.endOffsets(topics);
        long deliveredAtKill = endAtKill.values().stream().mapToLong(Long::longValue).sum();

        Process second = startRelay(config, TestRunLogs.file("relay-process-2.log"));
        SampleEventLoad.Result result = load.get(180, TimeUnit.SECONDS);
        assertThat(deliveredAtKill).as("killed mid-stream").isLessThan(result.committed().size());
        // not just "as many records as events": duplicates would let that pass while events are still on their way
        await().alias("every committed event delivered").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Delivery.compare(result, fixture.topicPrefix, fixture.readAll(topics)).lost.isEmpty());
        second.destroy(); // SIGTERM
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).as(Files.readString(TestRunLogs.file("relay-process-2.log"))).isEqualTo(RelayCli.EXIT_OK);

        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = fixture.readAll(topics);
        Delivery delivery = Delivery.compare(result, fixture.topicPrefix, records);
        System.out.printf("kill -9 after %d of %d events delivered: %d duplicates re-sent after restart (%s)%n",
                deliveredAtKill, result.committed().size(), delivery.duplicateCount(), delivery);

        assertThat(delivery.lost).as("lost: " + delivery).isEmpty();
        assertThat(delivery.fromRolledBack).isEmpty();
        assertThat(delivery.misrouted).isEmpty();
        assertThat(delivery.orderViolations).isEmpty();
        assertThat(delivery.duplicates.values()).as("an event is re-sent at most once").allMatch(n -> n == 1);
        records.forEach((partition, list) ->
                assertDuplicatesAreASuffixOfWhatWasSentBeforeTheKill(partition, list, endAtKill.getOrDefault(partition, 0L)));
    }

    /**
     * The restarted relay resumes from the saved position, so what it sends again is exactly the
     * tail of what the killed relay had sent after that position: in every partition the duplicated
     * records form a suffix of the records written before the kill.
     */
    private static void assertDuplicatesAreASuffixOfWhatWasSentBeforeTheKill(
            TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records, long endAtKill) {
        List<String> before = new ArrayList<>();
        Set<String> after = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String id = DeliveryCheck.header(r, OutboxHeaders.EVENT_ID);
            if (r.offset() < endAtKill) {
                before.add(id);
            }
            else {
                after.add(id);
            }
        }
        int firstDuplicate = before.size();
        for (int i = 0; i < before.size(); i++) {
            if (after.contains(before.get(i))) {
                firstDuplicate = i;
                break;
            }
        }
        List<String> tail = before.subList(firstDuplicate, before.size());
        assertThat(after).as("%s: every record after the first re-sent one was re-sent too", partition)
                .containsAll(tail);
    }

    private Path writeConfig(RelayFixture fixture) throws IOException {
        Path file = dir.resolve("relay.properties");
        try (Writer w = Files.newBufferedWriter(file)) {
            fixture.relayProperties(Map.of()).store(w, null);
        }
        return file;
    }

    private static Process startRelay(Path config, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                RelayCli.class.getName(), "run", "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("relay exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            return Files.readString(log).contains("Relay state RUNNING");
        });
        return process;
    }
}
