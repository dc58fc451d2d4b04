package io.outboxrelay.relay.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.outboxrelay.relay.config.RelayConfig;

/** The producer's settings: safe defaults the user cannot weaken by accident, then pass-through. */
public final class ProducerSettings {

    private ProducerSettings() {
    }

    public static Map<String, Object> from(RelayConfig config) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.get(RelayConfig.KAFKA_BOOTSTRAP));
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.get(RelayConfig.RELAY_NAME));
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        props.putAll(config.withPrefix(RelayConfig.PRODUCER_PREFIX));
        // Not overridable: these make "acknowledged" mean "durable and in order per key".
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return props;
    }

    /**
     * The exactly-once producer's settings: {@link #from}, with the relay's name as its {@code transactional.id}, so that a
     * relay started with the same name fences this one.
     */
    public static Map<String, Object> transactional(RelayConfig config) {
        Map<String, Object> props = from(config);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.get(RelayConfig.RELAY_NAME));
        return props;
    }

    /** The producer's {@code transactional.id} (the relay's name) with delivery.guarantee=exactly-once; null otherwise. */
    public static String transactionalId(RelayConfig config) {
        return config.exactlyOnce() ? config.get(RelayConfig.RELAY_NAME) : null;
    }

    /** How long a transaction may stay open: kafka.producer.transaction.timeout.ms or Kafka's default. */
    public static Duration transactionTimeout(RelayConfig config) {
        return millis(config, ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
    }

    /** How long the producer tries to deliver a record before it fails it: kafka.producer.delivery.timeout.ms or Kafka's default. */
    public static Duration deliveryTimeout(RelayConfig config) {
        return millis(config, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG);
    }

    /** How long a send may block waiting for metadata or buffer space: kafka.producer.max.block.ms or Kafka's default. */
    public static Duration maxBlock(RelayConfig config) {
        return millis(config, ProducerConfig.MAX_BLOCK_MS_CONFIG);
    }

    private static Duration millis(RelayConfig config, String name) {
        Object value = from(config).get(name);
        if (value == null) {
            value = ProducerConfig.configDef().defaultValues().get(name);
        }
        return Duration.ofMillis(Long.parseLong(String.valueOf(value).trim()));
    }

    /**
     * The TLS/SASL settings given for the producer ({@code kafka.producer.security.*, ssl.*, sasl.*}):
     * every other Kafka client of the relay (admin, offset store) talks to the same cluster with them.
     */
    public static Map<String, String> security(RelayConfig config) {
        Map<String, String> out = new HashMap<>();
        config.withPrefix(RelayConfig.PRODUCER_PREFIX).forEach((k, v) -> {
            if (k.startsWith("security.") || k.startsWith("ssl.") || k.startsWith("sasl.")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Settings for an admin client of the relay: the cluster, and the producer's TLS/SASL settings. */
    public static Map<String, Object> admin(RelayConfig config, String clientIdSuffix) {
        Map<String, Object> props = new HashMap<>(security(config));
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.get(RelayConfig.KAFKA_BOOTSTRAP));
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.get(RelayConfig.RELAY_NAME) + "-" + clientIdSuffix);
        return props;
    }
}
