package io.outboxrelay.relay.kafka;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.relay.config.RelayConfig;

/**
 * The relay's saved position, as Debezium stored it in the offset topic (Kafka Connect's
 * {@code KafkaOffsetBackingStore}): the key is {@code ["<relay.name>",{"server":"<relay.name>"}]},
 * the value a JSON object with the LSN, the transaction id and the commit time in microseconds.
 *
 * @param lsn the LSN Debezium resumes from, in PostgreSQL's notation (e.g. {@code 0/1A2B3C4})
 * @param committedAt commit time of the transaction at that position (null if not recorded)
 * @param furthestLsn the furthest of the LSNs the position names ({@code lsn}, {@code lsn_proc},
 *                    {@code lsn_commit}): Debezium confirms to the slot no further than this, so a slot
 *                    confirmed beyond it moved on without this relay
 * @param snapshotRunning the position was saved in the middle of a snapshot (a re-send) that has not finished
 * @param lsns every LSN the position names ({@code lsn_proc}, {@code lsn}, {@code lsn_commit}), as numbers: what detach
 *             looks for among the changes the slot still holds
 *
 * <p>One class for the offset topic's format: pre-flight, {@code status} and {@code detach} all read it here.
 */
public record SavedPosition(String lsn, Long txId, Instant committedAt, String furthestLsn, boolean snapshotRunning,
                            List<Long> lsns) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Debezium's PostgreSQL offset fields that hold an LSN (as a number). */
    private static final List<String> LSN_FIELDS = List.of("lsn_proc", "lsn", "lsn_commit");

    public SavedPosition {
        lsns = List.copyOf(lsns);
    }

    /**
     * Reads the offset topic from its beginning to its current end; the last record of this relay wins.
     *
     * @return null when the topic does not exist or holds no position for {@code relayName}
     */
    public static SavedPosition read(Consumer<byte[], byte[]> consumer, String topic, String relayName, Duration timeout) {
        byte[][] last = {null};
        boolean[] found = {false};
        boolean exists = readAll(consumer, topic, timeout, r -> {
            if (isFor(r.key(), relayName)) {
                last[0] = r.value();
                found[0] = true;
            }
        });
        return exists && found[0] && last[0] != null ? parse(last[0]) : null;
    }

    /**
     * Hands {@code each} every record of {@code topic} from its beginning to the end it has now (as the consumer's
     * isolation level sees it), in partition order.
     *
     * @return false when the topic does not exist (or has no partitions)
     * @throws org.apache.kafka.common.errors.TimeoutException when the end is not reached within {@code timeout}
     */
    public static boolean readAll(Consumer<byte[], byte[]> consumer, String topic, Duration timeout,
                                  java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topic, timeout)) {
            partitions.add(new TopicPartition(topic, p.partition()));
        }
        if (partitions.isEmpty()) {
            return false;
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
            if (System.nanoTime() > deadline) {
                throw new org.apache.kafka.common.errors.TimeoutException(
                        "could not read topic " + topic + " to its end within " + timeout.toMillis() + " ms");
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    each.accept(r);
                }
            }
        }
        return true;
    }

    /** Debezium's key: {@code ["<engine name>", {"server": "<topic prefix>"}]}, both the relay's name. */
    private static boolean isFor(byte[] key, String relayName) {
        if (key == null) {
            return false;
        }
        try {
            JsonNode node = JSON.readTree(key);
            return node != null && node.isArray() && relayName.equals(node.path(0).asText())
                    && relayName.equals(node.path(1).path("server").asText());
        }
        catch (IOException e) {
            return false; // not written by Kafka Connect
        }
    }

    static SavedPosition parse(byte[] value) {
        try {
            JsonNode node = JSON.readTree(value);
            JsonNode lsn = node.get("lsn");
            JsonNode txId = node.get("txId");
            JsonNode tsUsec = node.get("ts_usec");
            Long furthest = null;
            List<Long> lsns = new ArrayList<>();
            for (String field : LSN_FIELDS) {
                JsonNode n = node.get(field);
                if (n != null && n.canConvertToLong()) {
                    lsns.add(n.asLong());
                    if (furthest == null || Long.compareUnsigned(n.asLong(), furthest) > 0) {
                        furthest = n.asLong();
                    }
                }
            }
            return new SavedPosition(lsn == null || !lsn.canConvertToLong() ? null : lsnText(lsn.asLong()),
                    txId == null || !txId.canConvertToLong() ? null : txId.asLong(),
                    tsUsec == null || !tsUsec.canConvertToLong() ? null
                            : Instant.EPOCH.plusNanos(Math.multiplyExact(tsUsec.asLong(), 1000L)),
                    furthest == null ? null : lsnText(furthest), snapshotRunning(node), lsns);
        }
        catch (IOException | ArithmeticException e) {
            return new SavedPosition(null, null, null, null, false, List.of());
        }
    }

    /** As Debezium decides it: a snapshot marker, and no mark that it completed. */
    private static boolean snapshotRunning(JsonNode node) {
        JsonNode snapshot = node.get("snapshot");
        boolean marked = snapshot != null && !snapshot.isNull()
                && (snapshot.isBoolean() ? snapshot.asBoolean() : !snapshot.asText().equalsIgnoreCase("false"));
        return marked && !node.path("snapshot_completed").asBoolean(false);
    }

    /**
     * Reads this relay's saved position with the relay's own Kafka client settings (TLS/SASL included).
     *
     * @return null when the offset topic does not exist or holds no position for {@code relay.name}
     * @throws org.apache.kafka.common.KafkaException when Kafka cannot be read
     */
    public static SavedPosition read(RelayConfig config, String clientIdSuffix) {
        Duration timeout = Duration.ofMillis(config.getInt(RelayConfig.STARTUP_TIMEOUT_MS));
        try (Consumer<byte[], byte[]> consumer = consumer(config, clientIdSuffix, timeout)) {
            return read(consumer, config.get(RelayConfig.OFFSET_TOPIC), config.get(RelayConfig.RELAY_NAME), timeout);
        }
    }

    public static Consumer<byte[], byte[]> consumer(RelayConfig config, String clientIdSuffix, Duration timeout) {
        Map<String, Object> props = new LinkedHashMap<>(ProducerSettings.security(config));
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.get(RelayConfig.KAFKA_BOOTSTRAP));
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.get(RelayConfig.RELAY_NAME) + "-" + clientIdSuffix);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // exactly-once writes the position in the events' transactions: one of an aborted transaction never counts
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** PostgreSQL's notation of an LSN: high and low 32 bits in hex. */
    static String lsnText(long lsn) {
        return String.format("%X/%X", lsn >>> 32, lsn & 0xFFFFFFFFL);
    }
}
