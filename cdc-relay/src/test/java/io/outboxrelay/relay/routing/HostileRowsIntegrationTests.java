package io.outboxrelay.relay.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.testsupport.HostileRows;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.sql.OutboxHeaders;
import io.outboxrelay.testkit.DeliveryCheck;


/**
 * One bad row never stops the relay: against real PostgreSQL and Kafka, with event topics of 3 partitions, every
 * outbox event ends up exactly once either on its topic (in commit order per aggregate) or on the dead-letter topic
 * with a reason, table rows and {@code outbox.emit} messages alike, whatever Kafka thinks of its topic name or size.
 *
 * <p>The property test's size: {@code -Dhostile.rows=N} (default 300 in the build; RELIABILITY.md records a run at
 * 100x), {@code -Dhostile.seed=S} repeats a run (the seed is in every assertion message).
 */
class HostileRowsIntegrationTests {

    private static final int ROWS = Integer.getInteger("hostile.rows", 300);
    private static final long SEED = Long.getLong("hostile.seed", new Random().nextLong());
    private static final Map<String, String> SETTINGS = Map.of("outbox.messages", "true", "topic.partitions", "3");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void deadLettersRowsWhoseTopicKafkaRefusesAsACollisionAndRelaysEverythingAfterThemInOrder() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        Map<UUID, String> written = new LinkedHashMap<>(); // event id -> aggregate type, in commit order
        try (Relay relay = Relay.start(fixture.relayConfig(SETTINGS))) {
            for (String type : List.of("my.type", "my.type", "my_type", "my.type", "Other", "my_type", "my.type", "Other")) {
                UUID id = UUID.randomUUID();
                fixture.sql("INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload) VALUES ('"
                        + id + "', '" + type + "', 'a-1', 'Happened', '{}')");
                written.put(id, type);
            }
            List<String> topics = List.of(fixture.topic("my.type"), fixture.topic("Other"), fixture.topicPrefix + ".dead-letter");
            await().atMost(Duration.ofSeconds(60)).until(() -> fixture.endOffsetSum(topics) >= written.size());
            assertThat(relay.state()).isEqualTo(Relay.State.RUNNING);
            assertThat(relay.stats().errors()).isZero();
        }

        assertThat(ids(fixture, fixture.topic("my.type"))).as("in commit order, once each")
                .containsExactlyElementsOf(idsOf(written, "my.type"));
        assertThat(ids(fixture, fixture.topic("Other"))).containsExactlyElementsOf(idsOf(written, "Other"));
        List<ConsumerRecord<byte[], byte[]>> letters = records(fixture, fixture.topicPrefix + ".dead-letter");
        assertThat(letters).extracting(r -> DeliveryCheck.header(r, OutboxHeaders.EVENT_ID)).containsExactlyElementsOf(idsOf(written, "my_type"));
        assertThat(letters).extracting(r -> DeliveryCheck.header(r, OutboxHeaders.DLQ_REASON)).allSatisfy(reason -> assertThat(reason)
                .isEqualTo("Kafka refused to create topic " + fixture.topic("my_type") + " (InvalidTopicException: Topic '"
                        + fixture.topic("my_type") + "' collides with existing topic: " + fixture.topic("my.type") + ")"));
        assertThat(letters).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).as("the whole row")
                .allSatisfy(row -> assertThat(row).contains("\"aggregate_type\":\"my_type\"").contains("\"payload\":\"{}\""));
    }

    @Test
    void everyHostileEventEndsUpOnceOnItsTopicOrAsADeadLetterWithAReasonAndTheRelayNeverStops() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        HostileRows rows = new HostileRows(SEED, fixture.topicPrefix, ROWS, 4);
        String seed = "-Dhostile.seed=" + SEED + " -Dhostile.rows=" + ROWS;
        System.out.println("Hostile rows, " + seed + ": " + rows.summary());
        long start = System.nanoTime();
        try (Relay relay = Relay.start(fixture.relayConfig(SETTINGS))) {
            rows.write(fixture.dataSource());
            long written = System.nanoTime();
            await().atMost(Duration.ofSeconds(60 + ROWS / 50)).pollInterval(Duration.ofMillis(500))
                    .until(() -> relay.state() != Relay.State.RUNNING || fixture.endOffsetSum(topics(fixture)) >= ROWS);
            assertThat(relay.state()).as(seed).isEqualTo(Relay.State.RUNNING);
            assertThat(relay.stats().errors()).as(seed).isZero();
            System.out.printf("Hostile rows: written in %.1f s, relayed %d and dead-lettered %d after %.1f s, %d producer"
                            + " replacements%n", (written - start) / 1e9, relay.stats().relayed(), relay.stats().deadLettered(),
                    (System.nanoTime() - start) / 1e9, relay.stats().producerReplacements());
        }

        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> all = fixture.readAll(topics(fixture));
        System.out.println("Hostile rows: dead letters by reason " + deadLetterReasons(all, fixture.topicPrefix + ".dead-letter")
                + "; " + all.keySet().stream().map(TopicPartition::topic).distinct().count() + " topics");
        List<String> problems = check(rows, fixture, all);
        assertThat(problems).as(seed + ": " + problems.size() + " problems").isEmpty();
    }

    private static List<String> check(HostileRows rows, RelayFixture fixture,
                                      Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> all) {
        String deadLetterTopic = fixture.topicPrefix + ".dead-letter";
        Map<String, List<ConsumerRecord<byte[], byte[]>>> byId = new HashMap<>();
        Map<String, List<String>> actualOrder = new HashMap<>();
        Map<String, TopicPartition> partitionOf = new HashMap<>();
        List<String> problems = new ArrayList<>();
        all.forEach((tp, records) -> records.forEach(r -> {
            byId.computeIfAbsent(DeliveryCheck.header(r, OutboxHeaders.EVENT_ID), k -> new ArrayList<>()).add(r);
            if (!tp.topic().equals(deadLetterTopic)) {
                String aggregate = tp.topic() + "\u0000" + new String(r.key(), StandardCharsets.UTF_8);
                actualOrder.computeIfAbsent(aggregate, k -> new ArrayList<>()).add(DeliveryCheck.header(r, OutboxHeaders.EVENT_ID));
                if (!tp.equals(partitionOf.computeIfAbsent(aggregate, k -> tp))) {
                    problems.add("aggregate in two partitions: " + abbreviate(aggregate));
                }
            }
        }));
        for (HostileRows.Event e : rows.events) {
            List<ConsumerRecord<byte[], byte[]>> got = byId.remove(e.eventId().toString());
            if (got == null || got.size() != 1) {
                problems.add(describe(e) + " arrived " + (got == null ? 0 : got.size()) + " times");
                continue;
            }
            ConsumerRecord<byte[], byte[]> r = got.get(0);
            if (r.topic().equals(deadLetterTopic)) {
                String reason = DeliveryCheck.header(r, OutboxHeaders.DLQ_REASON);
                if (reason == null || reason.isBlank()) {
                    problems.add(describe(e) + " is a dead letter without a reason");
                }
                else if (e.fate() == HostileRows.Fate.TOPIC || e.reason() != null && !reason.contains(e.reason())) {
                    problems.add(describe(e) + " is a dead letter: " + reason);
                }
            }
            else if (e.fate() == HostileRows.Fate.DEAD_LETTER) {
                problems.add(describe(e) + " reached " + r.topic() + ", expected a dead letter (" + e.reason() + ")");
            }
            else if (!r.topic().equals(e.topic()) || !new String(r.key(), StandardCharsets.UTF_8).equals(e.aggregateId())
                    || !e.eventType().equals(DeliveryCheck.header(r, OutboxHeaders.EVENT_TYPE))
                    || e.traceId() != null && !e.traceId().equals(DeliveryCheck.header(r, "traceId"))
                    || !isJson(r.value())) {
                problems.add(describe(e) + " arrived wrong: topic " + r.topic() + ", headers or value differ");
            }
        }
        byId.keySet().forEach(id -> problems.add("event " + id + " was never written"));
        rows.expectedOrder().forEach((aggregate, ids) -> {
            List<String> arrived = actualOrder.getOrDefault(aggregate, List.of());
            List<String> expected = ids.stream().filter(arrived::contains).toList();
            if (!expected.equals(arrived)) {
                problems.add("aggregate " + abbreviate(aggregate) + " out of commit order: " + arrived + ", expected " + expected);
            }
        });
        return problems;
    }

    /** How many dead letters of each kind of reason, for the test's output. */
    private static Map<String, Integer> deadLetterReasons(Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> all,
                                                         String deadLetterTopic) {
        Map<String, Integer> kinds = new java.util.TreeMap<>();
        all.forEach((tp, records) -> records.stream().filter(r -> tp.topic().equals(deadLetterTopic)).forEach(r -> {
            String reason = DeliveryCheck.header(r, OutboxHeaders.DLQ_REASON);
            String kind = reason.contains("collides") ? "topic name collides"
                    : reason.contains("max.request.size") ? "too large"
                    : reason.contains("not a legal Kafka topic name") ? "illegal topic name"
                    : reason.contains("is null or empty") ? reason.substring(0, reason.indexOf(" is null"))
                    : reason.contains("which is the relay's") || reason.contains("reserved") ? "reserved topic"
                    : "other: " + reason;
            kinds.merge(kind, 1, Integer::sum);
        }));
        return kinds;
    }

    private static boolean isJson(byte[] value) {
        try {
            JSON.readTree(value);
            return true;
        }
        catch (java.io.IOException e) {
            return false;
        }
    }

    private static String describe(HostileRows.Event e) {
        return (e.message() ? "message " : "row ") + e.eventId() + " (aggregate_type '" + abbreviate(e.aggregateType())
                + "', aggregate_id '" + abbreviate(e.aggregateId()) + "', payload of " + e.payload().length() + " chars, expected "
                + e.fate() + ")";
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 40) + "... (" + s.length() + " chars)";
    }

    /** Every event topic the relay may have created for this fixture, and its dead-letter topic; not its offset topic. */
    private static List<String> topics(RelayFixture fixture) throws Exception {
        try (Admin admin = fixture.admin()) {
            return admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith(fixture.topicPrefix + ".") && !t.equals(fixture.topicPrefix + ".offsets"))
                    .sorted().toList();
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> records(RelayFixture fixture, String topic) {
        return fixture.readAll(List.of(topic)).values().stream().flatMap(List::stream).toList();
    }

    private static List<String> ids(RelayFixture fixture, String topic) {
        return records(fixture, topic).stream().map(r -> DeliveryCheck.header(r, OutboxHeaders.EVENT_ID)).toList();
    }

    private static List<String> idsOf(Map<UUID, String> written, String type) {
        return written.entrySet().stream().filter(e -> Objects.equals(e.getValue(), type)).map(e -> e.getKey().toString()).toList();
    }
}
