package io.outboxrelay.testkit;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Compares what the outbox table holds (every row there is committed: the truth, whatever the clients heard)
 * with what reached Kafka: events lost, delivered more than once (same event id), not in the outbox at all
 * (e.g. from a rolled-back transaction), dead-lettered, and out of order per aggregate. Every aggregate's
 * committed versions are 1..n in commit order, so after dropping re-deliveries the versions of an aggregate
 * must arrive as 1, 2, 3, ... The one checker of the relay's tests, the fault suite and the benchmarks; the figures
 * are public fields, what each test asserts on.
 */
public final class DeliveryCheck {

    /**
     * The relay's event id header ({@code OutboxHeaders.EVENT_ID}: testkit cannot depend on outbox-sql, whose tests use
     * testkit; outbox-sql's tests check that both say the same).
     */
    public static final String EVENT_ID_HEADER = "eventId";

    private static final Pattern VERSION = Pattern.compile("\"version\": ?(\\d+)");

    /** One committed outbox event: its aggregate and its version (1..n per aggregate in commit order). */
    public record Committed(String aggregateId, long version) {
    }

    /** Events committed (the truth's size). */
    public final int committed;
    /** Records on the event topics, re-deliveries included. */
    public final int delivered;
    /** Committed events with no record. */
    public final Set<UUID> lost = new HashSet<>();
    /** Event ids delivered more than once, with the number of extra deliveries. */
    public final Map<UUID, Integer> duplicates = new HashMap<>();
    /** Event ids on the topics that were never committed (a rolled-back transaction, another writer). */
    public final Set<UUID> unexpected = new HashSet<>();
    /** Records on the dead-letter topic. */
    public final int deadLettered;
    /** First deliveries of an aggregate not in version order 1, 2, 3, ... (or not the committed version). */
    public final List<String> orderViolations = new ArrayList<>();
    /** What was read from Kafka, per partition in offset order. */
    public final Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records;

    private DeliveryCheck(int committed, int delivered, int deadLettered,
                          Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records) {
        this.committed = committed;
        this.delivered = delivered;
        this.deadLettered = deadLettered;
        this.records = records;
    }

    /**
     * The outbox table of {@code outboxDb} (the truth) against every record on {@code eventTopics} and the dead-letter
     * topic, read {@code isolation} ({@code read_committed} to see what a transactional writer committed only).
     */
    public static DeliveryCheck ofOutbox(DataSource outboxDb, KafkaInstance kafka, List<String> eventTopics, String deadLetterTopic,
                                         IsolationLevel isolation) throws SQLException {
        Map<UUID, Committed> truth = committedEvents(outboxDb);
        List<String> topics = new ArrayList<>(eventTopics);
        if (!topics.contains(deadLetterTopic)) {
            topics.add(deadLetterTopic);
        }
        return compare(truth, readAll(kafka, topics, isolation), deadLetterTopic);
    }

    /** Every row of {@code outbox.event}: in the table means committed. */
    public static Map<UUID, Committed> committedEvents(DataSource dataSource) throws SQLException {
        Map<UUID, Committed> out = new HashMap<>();
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT event_id, aggregate_id, (payload->>'version')::bigint FROM outbox.event")) {
            while (rs.next()) {
                out.put(rs.getObject(1, UUID.class), new Committed(rs.getString(2), rs.getLong(3)));
            }
        }
        return out;
    }

    /** @param deadLetterTopic counted apart, not compared; null when there is none */
    public static DeliveryCheck compare(Map<UUID, Committed> truth, Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records,
                                 String deadLetterTopic) {
        int total = 0;
        int deadLettered = 0;
        for (Map.Entry<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> e : records.entrySet()) {
            if (e.getKey().topic().equals(deadLetterTopic)) { // equals(null) is false
                deadLettered += e.getValue().size();
            }
            else {
                total += e.getValue().size();
            }
        }
        DeliveryCheck d = new DeliveryCheck(truth.size(), total, deadLettered, records);
        Map<UUID, Integer> seen = new HashMap<>();
        Map<String, Long> lastVersion = new HashMap<>();
        records.forEach((partition, list) -> {
            if (partition.topic().equals(deadLetterTopic)) {
                return;
            }
            for (ConsumerRecord<byte[], byte[]> r : list) {
                UUID id = UUID.fromString(header(r, EVENT_ID_HEADER));
                if (seen.merge(id, 1, Integer::sum) > 1) {
                    continue; // a re-delivery may repeat an older version; order is about first deliveries
                }
                Committed c = truth.get(id);
                if (c == null) {
                    d.unexpected.add(id);
                    continue;
                }
                long version = version(r);
                long previous = lastVersion.getOrDefault(c.aggregateId(), 0L);
                if (version != c.version() || version != previous + 1) {
                    d.orderViolations.add(c.aggregateId() + ": version " + version + " after " + previous);
                }
                lastVersion.put(c.aggregateId(), version);
            }
        });
        seen.forEach((id, n) -> {
            if (n > 1) {
                d.duplicates.put(id, n - 1);
            }
        });
        truth.keySet().stream().filter(id -> !seen.containsKey(id)).forEach(d.lost::add);
        return d;
    }

    /** Re-deliveries: records beyond the first for each event id. */
    public int duplicateCount() {
        return duplicates.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * Every record on the topics that exist, from the beginning to the current end, in partition order; with
     * {@code read_committed} the end is the last stable offset, and records of aborted transactions are left out.
     */
    public static Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> readAll(KafkaInstance kafka, List<String> topics,
                                                                                 IsolationLevel isolation) {
        Map<String, Object> props = new HashMap<>(kafka.adminClientProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Set<String> existing = consumer.listTopics(Duration.ofSeconds(30)).keySet();
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                if (existing.contains(topic)) {
                    consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions); // the last stable offset when read_committed
            Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> out = new HashMap<>();
            partitions.forEach(tp -> out.put(tp, new ArrayList<>()));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topics + " to their end within 120 s");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() < end.get(tp)) {
                        out.get(tp).add(r);
                    }
                });
            }
            return out;
        }
    }

    /** Sum of the end offsets of the topics that exist. */
    public static long endOffsetSum(KafkaInstance kafka, List<String> topics) {
        return endOffsets(kafka, topics).values().stream().mapToLong(Long::longValue).sum();
    }

    /** End offsets of the partitions of the topics that exist. */
    public static Map<TopicPartition, Long> endOffsets(KafkaInstance kafka, List<String> topics) {
        Map<String, Object> props = new HashMap<>(kafka.adminClientProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return endOffsets(consumer, topics);
        }
    }

    private static Map<TopicPartition, Long> endOffsets(KafkaConsumer<?, ?> consumer, List<String> topics) {
        Set<String> existing = consumer.listTopics(Duration.ofSeconds(30)).keySet();
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            if (existing.contains(topic)) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
        }
        return consumer.endOffsets(partitions);
    }

    /** A header's value as text, null when absent. */
    public static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The payload's {@code version}, -1 when it has none. */
    public static long version(ConsumerRecord<byte[], byte[]> r) {
        Matcher m = VERSION.matcher(new String(r.value(), StandardCharsets.UTF_8));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @Override
    public String toString() {
        return "committed=" + committed + " delivered=" + delivered + " lost=" + lost.size() + " duplicates=" + duplicateCount()
                + " unexpected=" + unexpected.size() + " deadLettered=" + deadLettered + " orderViolations=" + orderViolations.size();
    }
}
