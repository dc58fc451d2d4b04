package io.outboxrelay.faults;

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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.outboxrelay.sql.OutboxHeaders;
import io.outboxrelay.testkit.KafkaInstance;

/**
 * Compares what the outbox table holds (every row there is committed: the truth, whatever the clients heard)
 * with what reached Kafka: events lost, delivered more than once (same event id), not in the outbox at all
 * (e.g. from a rolled-back transaction), dead-lettered, and out of order per aggregate. Every aggregate's
 * committed versions are 1..n in commit order, so after dropping re-deliveries the versions of an aggregate
 * must arrive as 1, 2, 3, ...
 */
final class DeliveryCheck {

    private static final Pattern VERSION = Pattern.compile("\"version\": ?(\\d+)");

    record Committed(String aggregateId, long version) {
    }

    final int committed;
    final int delivered;
    final Set<UUID> lost = new HashSet<>();
    final Map<UUID, Integer> duplicates = new HashMap<>();
    final Set<UUID> unexpected = new HashSet<>();
    final int deadLettered;
    final List<String> orderViolations = new ArrayList<>();
    /** What was read from Kafka, per partition in offset order. */
    final Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records;

    private DeliveryCheck(int committed, int delivered, int deadLettered,
                          Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records) {
        this.committed = committed;
        this.delivered = delivered;
        this.deadLettered = deadLettered;
        this.records = records;
    }

    static DeliveryCheck of(Deployment deployment) throws SQLException {
        Map<UUID, Committed> truth = committedEvents(deployment.dataSource());
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = readAll(deployment.kafka, deployment.eventTopics());
        return compare(truth, records, deployment.deadLetterTopic());
    }

    static Map<UUID, Committed> committedEvents(DataSource dataSource) throws SQLException {
        Map<UUID, Committed> out = new HashMap<>();
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT event_id, aggregate_id, (payload->>'version')::bigint FROM outbox.event")) {
            while (rs.next()) {
                out.put(rs.getObject(1, UUID.class), new Committed(rs.getString(2), rs.getLong(3)));
            }
        }
        return out;
    }

    static DeliveryCheck compare(Map<UUID, Committed> truth, Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records,
                                 String deadLetterTopic) {
        int total = 0;
        int deadLettered = 0;
        for (Map.Entry<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> e : records.entrySet()) {
            if (e.getKey().topic().equals(deadLetterTopic)) {
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
                UUID id = UUID.fromString(header(r, OutboxHeaders.EVENT_ID));
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
    int duplicateCount() {
        return duplicates.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Every record on the topics that exist, from the beginning to the current end, in partition order. */
    static Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> readAll(KafkaInstance kafka, List<String> topics) {
        Map<String, Object> props = new HashMap<>(kafka.adminClientProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
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
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
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
    static long endOffsetSum(KafkaInstance kafka, List<String> topics) {
        return endOffsets(kafka, topics).values().stream().mapToLong(Long::longValue).sum();
    }

    /** End offsets of the partitions of the topics that exist. */
    static Map<TopicPartition, Long> endOffsets(KafkaInstance kafka, List<String> topics) {
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

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static long version(ConsumerRecord<byte[], byte[]> r) {
        Matcher m = VERSION.matcher(new String(r.value(), StandardCharsets.UTF_8));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @Override
    public String toString() {
        return "committed=" + committed + " delivered=" + delivered + " lost=" + lost.size() + " duplicates=" + duplicateCount()
                + " unexpected=" + unexpected.size() + " deadLettered=" + deadLettered + " orderViolations=" + orderViolations.size();
    }
}
