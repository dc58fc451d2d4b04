package io.outboxrelay.consumers.runtime;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Test access to the meters one {@link EventConsumer} registers, whose classes are package-private: its
 * {@link ConsumerMetrics} and its {@link ConsumerLag}, built as EventConsumer builds them, with one
 * partition assigned (the lag gauges exist only per assigned partition). For checks that need the names
 * the runtime exports without a Kafka broker (AlertRulesUnitTests).
 */
public final class ConsumerRuntimeMeters {

    private ConsumerRuntimeMeters() {
    }

    /** Registers on {@code registry} what a consumer of {@code group} reading partition 0 of {@code topic} exports. */
    public static void register(MeterRegistry registry, String group, String topic) {
        new ConsumerMetrics(registry, group).batch(1, 1_000_000);
        TopicPartition partition = new TopicPartition(topic, 0);
        try (MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name())) {
            consumer.assign(List.of(partition));
            consumer.updateBeginningOffsets(Map.of(partition, 0L));
            consumer.updateEndOffsets(Map.of(partition, 1L));
            consumer.seek(partition, 0);
            new ConsumerLag(registry, group).update(consumer);
        }
    }
}
