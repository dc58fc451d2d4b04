package io.outboxrelay.relay.attach;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.ProducerSettings;

/**
 * The relay's saved position, as Debezium keeps it in the offset topic ({@link RelayConfig#OFFSET_TOPIC}):
 * the WAL positions (LSNs) of the last change and commit it relayed. The replication slot's
 * confirmed position trails it: Debezium confirms to PostgreSQL what it saved at the previous
 * flush, so after a stop the slot may still show the last events as pending although Kafka has
 * them.
 */
final class SavedPosition {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Debezium's PostgreSQL offset fields that hold an LSN (as a number). */
    private static final List<String> LSN_FIELDS = List.of("lsn_proc", "lsn", "lsn_commit");

    private SavedPosition() {
    }

    /**
     * @return the LSNs of the relay's latest saved position, none if it has saved none
     * @throws org.apache.kafka.common.KafkaException or {@link IllegalStateException} when the topic cannot be read
     */
    static List<Long> read(RelayConfig config) {
        String relay = config.get(RelayConfig.RELAY_NAME);
        String topic = config.get(RelayConfig.OFFSET_TOPIC);
        int timeoutMs = config.getInt(RelayConfig.STARTUP_TIMEOUT_MS);
        Map<String, Object> props = new HashMap<>(ProducerSettings.admin(config, "detach"));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        byte[] latest = null;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            if (partitions.isEmpty()) {
                return List.of();
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofMillis(timeoutMs).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read offset topic " + topic + " to its end within " + timeoutMs + " ms");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (isThisRelay(r.key(), relay)) {
                        latest = r.value();
                    }
                }
            }
        }
        return lsns(latest);
    }

    /** Debezium's key: {@code ["<engine name>", {"server": "<topic prefix>"}]}, both the relay's name. */
    private static boolean isThisRelay(byte[] key, String relay) {
        try {
            JsonNode node = key == null ? null : JSON.readTree(key);
            return node != null && node.isArray() && relay.equals(node.path(0).asText())
                    && relay.equals(node.path(1).path("server").asText());
        }
        catch (IOException e) {
            return false;
        }
    }

    private static List<Long> lsns(byte[] value) {
        if (value == null) {
            return List.of();
        }
        try {
            JsonNode node = JSON.readTree(value);
            List<Long> out = new ArrayList<>();
            for (String field : LSN_FIELDS) {
                if (node.path(field).isNumber()) {
                    out.add(node.get(field).asLong());
                }
            }
            return out;
        }
        catch (IOException e) {
            return List.of();
        }
    }
}
