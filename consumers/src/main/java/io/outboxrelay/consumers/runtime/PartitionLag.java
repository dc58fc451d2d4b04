package io.outboxrelay.consumers.runtime;

/**
 * How far behind one assigned partition a consumer is (see {@link EventConsumer#lag()}).
 *
 * @param events  end offset minus the consumer's position after its last batch; -1 while unknown (no
 *                fetch answered for the partition yet)
 * @param seconds 0 when {@code events} is 0; otherwise the age of the last applied record (its Kafka
 *                timestamp), or of the moment the partition was last caught up when that is later
 */
public record PartitionLag(String topic, int partition, long events, double seconds) {
}
