package io.outboxrelay.relay.ops;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The relay's saved position, as Debezium stored it in the offset topic (Kafka Connect's
 * {@code KafkaOffsetBackingStore}): the key is {@code ["<relay.name>",{"server":"<relay.name>"}]},
 * the value a JSON object with the LSN, the transaction id and the commit time in microseconds.
 *
 * @param lsn the LSN Debezium resumes from, in PostgreSQL's notation (e.g. {@code 0/1A2B3C4})
 * @param committedAt commit time of the transaction at that position (null if not recorded)
 */
public record SavedPosition(String lsn, Long txId, Instant committedAt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads the offset topic from its beginning to its current end; the last record of this relay wins.
     *
     * @return null when the topic does not exist or holds no position for {@code relayName}
     */
    static SavedPosition read(Consumer<byte[], byte[]> consumer, String topic, String relayName, Duration timeout) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topic, timeout)) {
            partitions.add(new TopicPartition(topic, p.partition()));
        }
        if (partitions.isEmpty()) {
            return null;
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        byte[] last = null;
        boolean found = false;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
            if (System.nanoTime() > deadline) {
                throw new org.apache.kafka.common.errors.TimeoutException(
                        "could not read offset topic " + topic + " to its end within " + timeout.toMillis() + " ms");
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition())) && isFor(r.key(), relayName)) {
                    last = r.value();
                    found = true;
                }
            }
        }
        return found && last != null ? parse(last) : null;
    }

    private static boolean isFor(byte[] key, String relayName) {
        if (key == null) {
            return false;
        }
        try {
            JsonNode node = JSON.readTree(key);
            return node.isArray() && node.size() > 0 && relayName.equals(node.get(0).asText());
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
            return new SavedPosition(lsn == null || !lsn.canConvertToLong() ? null : lsnText(lsn.asLong()),
                    txId == null || !txId.canConvertToLong() ? null : txId.asLong(),
                    tsUsec == null || !tsUsec.canConvertToLong() ? null
                            : Instant.EPOCH.plusNanos(Math.multiplyExact(tsUsec.asLong(), 1000L)));
        }
        catch (IOException | ArithmeticException e) {
            return new SavedPosition(null, null, null);
        }
    }

    /** PostgreSQL's notation of an LSN: high and low 32 bits in hex. */
    static String lsnText(long lsn) {
        return String.format("%X/%X", lsn >>> 32, lsn & 0xFFFFFFFFL);
    }
}
