package io.outboxrelay.consumers.faults;

import static io.outboxrelay.consumers.testsupport.TestEvents.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outboxrelay.consumers.faults.HostileRecords.Digest;
import io.outboxrelay.consumers.faults.HostileRecords.Expected;
import io.outboxrelay.consumers.faults.HostileRecords.Generated;
import io.outboxrelay.consumers.faults.HostileRecords.HeaderDigest;
import io.outboxrelay.consumers.faults.HostileRecords.Outcome;
import io.outboxrelay.consumers.runtime.ConsumerMetrics;
import io.outboxrelay.consumers.runtime.ConsumerSchema;
import io.outboxrelay.consumers.runtime.ConsumerSettings;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.consumers.testsupport.ConsumerFixture;
import io.outboxrelay.sql.OutboxHeaders;

/**
 * Issue 13, "one bad row must never stop the relay", for the consumer runtime: records generated from
 * a seed by {@link HostileRecords} (headers missing, repeated, empty, not UTF-8, with control
 * characters or 10 kB long; keys null, binary or megabytes long; payloads null, not JSON, not objects,
 * 2000 deep, around and beyond maxPayloadBytes, or refused by the handler or by PostgreSQL), with good
 * events and copies of earlier events interleaved in three partitions, through a real consumer on real
 * Kafka and PostgreSQL. Every record must end where its kind says, exactly once: applied, skipped as
 * ignored or as a duplicate of an applied id, or dead-lettered with the reason; and the consumer must
 * still be running at the end.
 *
 * <p>{@code -Dhostile.events=N} sets the number of records (default {@value #DEFAULT_EVENTS}: about 10 s
 * here, half of it starting Kafka and PostgreSQL); {@code -Dhostile.seed=S} replays a run. The seed is in every
 * assertion message and in the summary line.
 */
class HostileEventsIntegrationTests {

    private static final String SCHEMA = "hostile";
    private static final int PARTITIONS = 3;
    private static final int DEFAULT_EVENTS = 400;
    private static final int SEND_CHUNK = 100;
    private static final int PROBLEMS_SHOWN = 20;
    /** Headers the runtime appends to a dead letter after the original's. */
    private static final List<String> APPENDED = List.of(OutboxHeaders.DLQ_REASON, OutboxHeaders.DLQ_ORIGINAL_TOPIC,
            OutboxHeaders.DLQ_ORIGINAL_PARTITION, OutboxHeaders.DLQ_ORIGINAL_OFFSET, OutboxHeaders.DLQ_CONSUMER_GROUP);
    private static final List<String> DROPPED_MARKERS = List.of(OutboxHeaders.DLQ_VALUE_DROPPED_BYTES,
            OutboxHeaders.DLQ_KEY_DROPPED_BYTES, OutboxHeaders.DLQ_HEADERS_DROPPED);

    private ConsumerFixture fixture;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private EventConsumer consumer;

    @BeforeEach
    void setUp() {
        fixture = new ConsumerFixture();
    }

    @AfterEach
    void tearDown() {
        if (consumer != null) {
            consumer.close();
        }
        fixture.close();
    }

    @Test
    void appliesOrDeadLettersEveryHostileEventOnceAndKeepsRunning() throws Exception {
        int events = Integer.getInteger("hostile.events", DEFAULT_EVENTS);
        long seed = Long.getLong("hostile.seed", System.nanoTime());
        String run = "seed " + seed + " (replay with -Dhostile.seed=" + seed + " -Dhostile.events=" + events + ")";
        String topic = fixture.name("outbox.Thing");
        String group = fixture.name("hostile");
        // the source topic takes what a careless producer may send; the dead-letter topic keeps the broker's 1 MB
        fixture.createTopic(topic, PARTITIONS, Map.of("max.message.bytes", String.valueOf(8 * 1024 * 1024)));
        ConsumerSchema.migrate(fixture.dataSource(), SCHEMA, StoringHandler.MIGRATIONS);
        ConsumerSettings settings = fixture.settings(group, SCHEMA, List.of(topic))
                .maxPayloadBytes(HostileRecords.MAX_PAYLOAD_BYTES).build();
        consumer = new EventConsumer(settings, fixture.dataSource(), new StoringHandler(SCHEMA), registry).start();

        long started = System.nanoTime();
        HostileRecords generator = new HostileRecords(seed, topic, PARTITIONS);
        List<Expected> expected = new ArrayList<>(events);
        List<Generated> chunk = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            chunk.add(generator.next());
            if (chunk.size() == SEND_CHUNK || i == events - 1) {
                // sent while the consumer runs, in chunks, so that the megabyte records are not all held at once
                List<RecordMetadata> acks = fixture.produce(chunk.stream().map(Generated::record).toList());
                for (int j = 0; j < chunk.size(); j++) {
                    Expected e = chunk.get(j).expected();
                    e.offset = acks.get(j).offset();
                    expected.add(e);
                }
                chunk.clear();
            }
        }
        awaitConsumed(group, topic, events, run);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(consumer.state()).as("consumer state, %s", run).isEqualTo(EventConsumer.State.RUNNING);
        assertThat(consumer.stopped()).as("consumer stopped, %s", run).isNotDone();
        List<String> problems = new ArrayList<>();
        checkDatabase(expected, problems);
        int[] trimmed = {0};
        checkDeadLetters(group, topic, expected, problems, trimmed);
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        expected.forEach(e -> outcomes.merge(e.outcome, 1, Integer::sum));
        checkMetrics(group, outcomes, problems);
        if (!problems.isEmpty()) {
            fail(run + ": " + problems.size() + " records did not end where their kind says; the first:\n  "
                    + String.join("\n  ", problems.subList(0, Math.min(PROBLEMS_SHOWN, problems.size()))));
        }
        long good = expected.stream().filter(e -> e.good).count();
        assertThat(expected).as("good events are applied, %s", run).filteredOn(e -> e.good)
                .allMatch(e -> e.outcome == Outcome.APPLIED);
        System.out.printf("hostile events through a consumer: %d records (seed %d) consumed in %.1f s: applied %d, ignored %d,"
                        + " duplicates skipped %d, dead-lettered %d (%d of them trimmed to fit the dead-letter topic);"
                        + " %d good events among them, all applied; consumer still %s%n  kinds: %s%n",
                events, seed, took.toMillis() / 1000.0, outcomes.getOrDefault(Outcome.APPLIED, 0),
                outcomes.getOrDefault(Outcome.IGNORED, 0), outcomes.getOrDefault(Outcome.DUPLICATE, 0),
                outcomes.getOrDefault(Outcome.DEAD_LETTERED, 0), trimmed[0], good, consumer.state(), generator.kinds());
    }

    /** Until every record's offset is committed; fails at once if the consumer stops. */
    private void awaitConsumed(String group, String topic, int events, String run) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(Math.max(60, events / 50)).toNanos();
        long lag;
        while ((lag = fixture.lag(group, List.of(topic))) > 0) {
            if (consumer.stopped().isDone()) {
                Throwable failure = consumer.stopped().handle((v, t) -> t).join();
                Throwable cause = failure instanceof CompletionException ce && ce.getCause() != null ? ce.getCause() : failure;
                fail(run + ": the consumer stopped with " + lag + " records left: " + cause, cause);
            }
            if (System.nanoTime() > deadline) {
                fail(run + ": the consumer still has " + lag + " records to go; state " + consumer.state());
            }
            Thread.sleep(100);
        }
    }

    /** Applied ids once each in the handler's table; processed ids exactly the applied and ignored ones. */
    private void checkDatabase(List<Expected> expected, List<String> problems) throws Exception {
        Map<UUID, Long> applications = new HashMap<>();
        fixture.rows("SELECT event_id, count(*) FROM " + SCHEMA + ".applied GROUP BY event_id")
                .forEach(r -> applications.put((UUID) r.get(0), (Long) r.get(1)));
        Set<UUID> processed = new HashSet<>();
        fixture.rows("SELECT event_id FROM " + SCHEMA + ".processed_event").forEach(r -> processed.add((UUID) r.get(0)));
        Set<UUID> applied = new HashSet<>();
        Set<UUID> done = new HashSet<>();
        for (Expected e : expected) {
            switch (e.outcome) {
                case APPLIED -> {
                    applied.add(e.eventId);
                    done.add(e.eventId);
                    long n = applications.getOrDefault(e.eventId, 0L);
                    if (n != 1) {
                        problems.add(e + ": applied " + n + " times");
                    }
                }
                case IGNORED -> {
                    done.add(e.eventId);
                    if (!processed.contains(e.eventId)) {
                        problems.add(e + ": not recorded as processed");
                    }
                }
                case DUPLICATE -> {
                    if (!processed.contains(e.eventId)) {
                        problems.add(e + ": its id was never processed");
                    }
                }
                case DEAD_LETTERED -> {
                    // checked against the dead-letter topic
                }
            }
        }
        applications.keySet().stream().filter(id -> !applied.contains(id))
                .forEach(id -> problems.add("event " + id + " applied, though no record with that id should be: "
                        + expected.stream().filter(e -> id.equals(e.eventId)).toList()));
        processed.stream().filter(id -> !done.contains(id))
                .forEach(id -> problems.add("event " + id + " recorded as processed, though no record with that id should be: "
                        + expected.stream().filter(e -> id.equals(e.eventId)).toList()));
    }

    /** Exactly the dead-lettered records, each once, with its reason, its origin and its content (or what was dropped). */
    private void checkDeadLetters(String group, String topic, List<Expected> expected, List<String> problems, int[] trimmed)
            throws Exception {
        Map<String, Expected> byOrigin = new HashMap<>();
        expected.forEach(e -> byOrigin.put(e.partition + "@" + e.offset, e));
        Map<String, Integer> letters = new HashMap<>();
        fixture.readEach(group + ".dead-letter", letter -> {
            String origin = header(letter, OutboxHeaders.DLQ_ORIGINAL_PARTITION) + "@" + header(letter, OutboxHeaders.DLQ_ORIGINAL_OFFSET);
            Expected e = byOrigin.get(origin);
            String reason = header(letter, OutboxHeaders.DLQ_REASON);
            if (e == null) {
                problems.add("a dead letter for " + origin + ", which is no generated record: " + reason);
                return;
            }
            letters.merge(origin, 1, Integer::sum);
            if (e.outcome != Outcome.DEAD_LETTERED) {
                problems.add(e + ": dead-lettered instead (" + reason + ")");
                return;
            }
            if (reason == null || reason.isEmpty() || !reason.startsWith(e.reason)) {
                problems.add(e + ": dead letter's reason is '" + reason + "'");
            } else if (reason.chars().anyMatch(Character::isISOControl)) {
                problems.add(e + ": dead letter's reason has control characters (it is logged): '" + reason + "'");
            }
            if (!topic.equals(header(letter, OutboxHeaders.DLQ_ORIGINAL_TOPIC)) || !group.equals(header(letter, OutboxHeaders.DLQ_CONSUMER_GROUP))) {
                problems.add(e + ": dead letter names topic " + header(letter, OutboxHeaders.DLQ_ORIGINAL_TOPIC) + " and group "
                        + header(letter, OutboxHeaders.DLQ_CONSUMER_GROUP));
            }
            if (DROPPED_MARKERS.stream().anyMatch(m -> letter.headers().lastHeader(m) != null)) {
                trimmed[0]++;
            }
            checkContent(e, letter, problems);
        });
        for (Expected e : expected) {
            int n = letters.getOrDefault(e.partition + "@" + e.offset, 0);
            if (e.outcome == Outcome.DEAD_LETTERED && n != 1) {
                problems.add(e + ": dead-lettered " + n + " times");
            }
        }
    }

    /** The original key, value and headers, each either kept unchanged or dropped with its size said. */
    private static void checkContent(Expected e, ConsumerRecord<byte[], byte[]> letter, List<String> problems) {
        if (!kept(e.value, letter.value(), header(letter, OutboxHeaders.DLQ_VALUE_DROPPED_BYTES))) {
            problems.add(e + ": dead letter's value is " + Digest.of(letter.value()) + ", dropped bytes "
                    + header(letter, OutboxHeaders.DLQ_VALUE_DROPPED_BYTES) + ", original " + e.value);
        }
        if (!kept(e.key, letter.key(), header(letter, OutboxHeaders.DLQ_KEY_DROPPED_BYTES))) {
            problems.add(e + ": dead letter's key is " + Digest.of(letter.key()) + ", dropped bytes "
                    + header(letter, OutboxHeaders.DLQ_KEY_DROPPED_BYTES) + ", original " + e.key);
        }
        String droppedText = header(letter, OutboxHeaders.DLQ_HEADERS_DROPPED);
        int dropped = droppedText == null ? 0 : Integer.parseInt(droppedText);
        Header[] all = letter.headers().toArray();
        int appended = APPENDED.size() + (int) DROPPED_MARKERS.stream().filter(m -> letter.headers().lastHeader(m) != null).count();
        List<HeaderDigest> originals = new ArrayList<>();
        for (int i = 0; i < all.length - appended; i++) {
            originals.add(HeaderDigest.of(all[i]));
        }
        boolean ok = dropped == 0 ? originals.equals(e.headers)
                : originals.size() == e.headers.size() - dropped && isSubsequence(originals, e.headers);
        if (!ok) {
            problems.add(e + ": dead letter carries " + originals.size() + " of the original's " + e.headers.size()
                    + " headers, " + dropped + " said dropped");
        }
    }

    private static boolean kept(Digest original, byte[] sent, String droppedBytes) {
        if (sent != null) {
            return Objects.equals(original, Digest.of(sent)) && droppedBytes == null;
        }
        return original == null ? droppedBytes == null : String.valueOf(original.length()).equals(droppedBytes);
    }

    private static <T> boolean isSubsequence(List<T> part, List<T> whole) {
        int i = 0;
        for (T t : whole) {
            if (i < part.size() && part.get(i).equals(t)) {
                i++;
            }
        }
        return i == part.size();
    }

    private void checkMetrics(String group, Map<Outcome, Integer> outcomes, List<String> problems) {
        Map<String, Double> counted = new HashMap<>();
        for (String outcome : List.of("handled", "ignored", "duplicate")) {
            counted.put(outcome, registry.get(ConsumerMetrics.EVENTS).tag(ConsumerMetrics.GROUP_TAG, group)
                    .tag(ConsumerMetrics.OUTCOME_TAG, outcome).counter().count());
        }
        counted.put("dead-lettered", registry.get(ConsumerMetrics.DEAD_LETTERS).tag(ConsumerMetrics.GROUP_TAG, group)
                .counter().count());
        Map<String, Double> wanted = Map.of("handled", (double) outcomes.getOrDefault(Outcome.APPLIED, 0),
                "ignored", (double) outcomes.getOrDefault(Outcome.IGNORED, 0),
                "duplicate", (double) outcomes.getOrDefault(Outcome.DUPLICATE, 0),
                "dead-lettered", (double) outcomes.getOrDefault(Outcome.DEAD_LETTERED, 0));
        if (!counted.equals(wanted)) {
            problems.add("metrics count " + counted + ", the records say " + wanted);
        }
    }
}
