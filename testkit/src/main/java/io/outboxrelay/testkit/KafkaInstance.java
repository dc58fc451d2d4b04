package io.outboxrelay.testkit;

/** A running single-node Kafka cluster with replication factors of 1, so transactions and idempotence work. */
public interface KafkaInstance extends AutoCloseable {

    String bootstrapServers();

    /** Stops the broker and deletes its log directories. Idempotent. */
    @Override
    void close();
}
