package io.outboxrelay.testkit;

import java.util.Map;

/** A running single-node Kafka cluster with replication factors of 1, so transactions and idempotence work. */
public interface KafkaInstance extends AutoCloseable {

    String bootstrapServers();

    /**
     * Security settings ({@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config},
     * {@code ssl.truststore.*}) for a client acting as the administrator, a super user when the broker has
     * an authorizer. Empty for a plaintext broker, so every test client can add them.
     */
    default Map<String, String> adminClientProperties() {
        return Map.of();
    }

    /**
     * Security settings for a client authenticating as {@code user}, whose password need not be right.
     *
     * @throws UnsupportedOperationException if the broker was not started with {@link KafkaOptions#sasl}
     */
    default Map<String, String> clientProperties(KafkaUser user) {
        throw new UnsupportedOperationException(this + " was not started with SASL users");
    }

    /** Stops the broker and deletes its log directories. Idempotent. */
    @Override
    void close();
}
