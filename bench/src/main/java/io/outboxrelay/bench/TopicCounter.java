package io.outboxrelay.bench;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Records on partition 0 of a topic since this counter was made: what a contender has had acknowledged. */
final class TopicCounter implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition partition;
    private final long base;

    TopicCounter(String bootstrapServers, String topic) {
        // read_committed: the end is the last stable offset, so a contender writing in transactions has delivered what it
        // committed; its transaction markers count as records too (one per transaction, a fraction of a per cent)
        this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.partition = new TopicPartition(topic, 0);
        // assigned first: asked about a partition it does not own, the consumer logs a warning
        consumer.assign(List.of(partition));
        this.base = endOffset();
    }

    long count() {
        return endOffset() - base;
    }

    private long endOffset() {
        return consumer.endOffsets(List.of(partition)).get(partition);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
