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

    /**
     * Stops the broker cleanly but keeps its port, log directories and metadata, so that {@link #startBroker()}
     * brings back the same cluster with every record it had. Clients see a broker that went away.
     *
     * @throws UnsupportedOperationException for a broker this process does not run itself (a container)
     */
    default void stopBroker() {
        throw new UnsupportedOperationException(this + " cannot be stopped and started by the test kit");
    }

    /**
     * Starts the broker stopped by {@link #stopBroker()} again, on the same port with the same log directories;
     * returns once it is ready for clients. Does nothing if it runs.
     */
    default void startBroker() {
        throw new UnsupportedOperationException(this + " cannot be stopped and started by the test kit");
    }

    /** Stops the broker and deletes its log directories. Idempotent. */
    @Override
    void close();
}
