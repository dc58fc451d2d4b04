package io.outboxrelay.consumers.runtime;

import static io.outboxrelay.consumers.testsupport.TestEvents.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outboxrelay.consumers.testsupport.ConsumerFixture;

/**
 * Several consumers in one group share a topic's partitions and hand them over without losing or repeating anything:
 * while events arrive, a second member (its own JVM) joins, a third joins, and the second is killed with SIGKILL; every
 * event is applied exactly once (the handler writes a row per application) and each key's events in their order.
 */
class GroupRebalanceIntegrationTests {

    private static final String SCHEMA = "test_consumer";
    private static final int KEYS = 60;
    private static final int PER_KEY = 60;

    @TempDir
    Path dir;

    private ConsumerFixture fixture;
    private String topic;
    private String group;
    private final List<EventConsumer> consumers = new ArrayList<>();
    private Process member;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new ConsumerFixture();
        topic = fixture.name("outbox.Thing");
        group = fixture.name("things");
        fixture.createTopics(6, topic);
        ConsumerSchema.migrate(fixture.dataSource(), SCHEMA, RecordingHandler.MIGRATIONS);
    }

    @AfterEach
    void tearDown() {
        if (member != null) {
            member.destroyForcibly();
        }
        consumers.forEach(EventConsumer::close);
        fixture.close();
    }

    /** The group's settings: a member killed is noticed after 6 s (the broker's minimum), not Kafka's default 45 s. */
    static ConsumerSettings settings(String bootstrap, String group, String schema, String topic) {
        return ConsumerSettings.builder(bootstrap, group, schema).topics(List.of(topic))
                .kafkaProperty("session.timeout.ms", "6000")
                .kafkaProperty("heartbeat.interval.ms", "1000")
                .kafkaProperty("max.poll.records", "50") // many small transactions: the kill lands between them
                .pollTimeout(Duration.ofMillis(200))
                .build();
    }

    @Test
    void membersJoiningAndOneKilledApplyEveryEventExactlyOnceInKeyOrder() throws Exception {
        List<ProducerRecord<byte[], byte[]>> events = new ArrayList<>();
        for (int n = 0; n < PER_KEY; n++) {
            for (int k = 0; k < KEYS; k++) { // seq says key and position: key * 1000 + n
                events.add(record(topic, "key-" + k, UUID.randomUUID(), "Thing", "Thing", "{\"seq\":" + (k * 1000 + n) + "}"));
            }
        }
        CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < events.size(); i += 60) { // about 12 s of events, while the group changes
                    fixture.produce(events.subList(i, Math.min(events.size(), i + 60)));
                    Thread.sleep(200);
                }
            }
            catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        start();
        Path log = dir.resolve("member.log");
        member = startMember(log);
        await("the second member applies events").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> appliedByMember() > 0);
        start();
        Thread.sleep(1000);
        member.destroyForcibly(); // SIGKILL: no commit, no leaving the group
        assertThat(member.waitFor(10, TimeUnit.SECONDS)).isTrue();
        producing.get(60, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> fixture.lag(group, List.of(topic)) == 0 && applied().size() >= events.size());

        List<Integer> applied = applied();
        Map<Integer, Integer> times = new HashMap<>();
        applied.forEach(seq -> times.merge(seq, 1, Integer::sum));
        assertThat(times.values()).as("every event applied once").allMatch(t -> t == 1);
        assertThat(times).hasSize(events.size());
        Map<Integer, Integer> lastPerKey = new HashMap<>();
        for (int seq : applied) {
            Integer last = lastPerKey.put(seq / 1000, seq % 1000);
            assertThat(last == null ? -1 : last).as("key %d in order", seq / 1000).isLessThan(seq % 1000);
        }
        long byMember = appliedByMember();
        assertThat(byMember).as("the killed member had partitions and applied events before it died")
                .isPositive().isLessThan(events.size());
        System.out.println("Group rebalance: " + events.size() + " events over 6 partitions, 2 members joined, 1 killed"
                + " (it had applied " + byMember + "); applied once each, in key order");
    }

    private long appliedByMember() throws Exception {
        return fixture.count("SELECT count(*) FROM " + SCHEMA + ".seen WHERE applied_by = '" + GroupMemberProcess.MEMBER + "'");
    }

    private List<Integer> applied() throws Exception {
        return fixture.rows("SELECT seq FROM " + SCHEMA + ".seen ORDER BY id").stream().map(r -> (Integer) r.get(0)).toList();
    }

    private void start() {
        EventConsumer consumer = new EventConsumer(settings(fixture.bootstrapServers(), group, SCHEMA, topic), fixture.dataSource(),
                new RecordingHandler(SCHEMA), new SimpleMeterRegistry());
        consumers.add(consumer);
        consumer.start();
    }

    private Process startMember(Path log) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(GroupMemberProcess.command(fixture.bootstrapServers(),
                fixture.dataSource().getJdbcUrl(), fixture.dataSource().getUsername(), topic, group, SCHEMA))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put(GroupMemberProcess.PASSWORD_VARIABLE, fixture.dataSource().getPassword());
        return builder.start();
    }
}
