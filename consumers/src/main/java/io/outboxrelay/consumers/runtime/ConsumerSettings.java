package io.outboxrelay.consumers.runtime;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.outboxrelay.sql.TopicNames;

/**
 * One consumer's settings, validated when built; the message of an invalid one names it.
 *
 * <p>Kafka client properties ({@link Builder#kafkaProperty}) reach both the consumer and the
 * dead-letter producer (TLS, SASL, timeouts), except those the delivery guarantee rests on, which
 * are fixed: offsets are committed by the runtime only after the database commit, only committed
 * transactional data is read, and dead letters are sent with {@code acks=all} and idempotence.
 */
public final class ConsumerSettings {

    private static final Pattern SQL_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    /** Records per poll, so per database transaction, unless the kafka property max.poll.records says otherwise. */
    public static final int DEFAULT_MAX_POLL_RECORDS = 2000;
    private static final Map<String, String> FIXED_CONSUMER = Map.of(
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    private static final Map<String, String> FIXED_PRODUCER = Map.of(
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());

    private final String bootstrapServers;
    private final String groupId;
    private final List<String> topics;
    private final String schema;
    private final String deadLetterTopic;
    private final Map<String, String> kafkaProperties;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration pollTimeout;
    private final Duration closeTimeout;
    private final int maxPayloadBytes;

    private ConsumerSettings(Builder b) {
        this.bootstrapServers = b.bootstrapServers;
        this.groupId = b.groupId;
        this.topics = List.copyOf(b.topics);
        this.schema = b.schema;
        this.deadLetterTopic = b.deadLetterTopic != null ? b.deadLetterTopic : b.groupId + ".dead-letter";
        this.kafkaProperties = Map.copyOf(b.kafkaProperties);
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.pollTimeout = b.pollTimeout;
        this.closeTimeout = b.closeTimeout;
        this.maxPayloadBytes = b.maxPayloadBytes;
    }

    /**
     * @param groupId Kafka consumer group; a new group starts at the beginning of every topic,
     *                which is how a new read model bootstraps
     * @param schema  database schema holding this consumer's {@code processed_event} table
     */
    public static Builder builder(String bootstrapServers, String groupId, String schema) {
        return new Builder(bootstrapServers, groupId, schema);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String groupId() {
        return groupId;
    }

    public List<String> topics() {
        return topics;
    }

    public String schema() {
        return schema;
    }

    /** Default {@code <groupId>.dead-letter}: each group's rejects stay apart. */
    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    /** Attempts at a record whose transaction fails transiently, before the consumer stops. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** Wait before the n-th retry: initial backoff doubled per attempt, capped at the max backoff. */
    public Duration backoff(int retry) {
        long millis = initialBackoff.toMillis() << Math.min(retry - 1, 20);
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }

    public Duration pollTimeout() {
        return pollTimeout;
    }

    /** How long {@link EventConsumer#close()} waits for the current record and the offset commit. */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /**
     * The largest record value handed to the handler; a larger one goes to the dead-letter topic
     * (without its value when the dead-letter topic cannot take it). Default 1 MiB.
     */
    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    Properties consumerProperties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, groupId + "-consumer");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // a poll is one database transaction: bigger batches, fewer commits (Kafka's default is 500)
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(DEFAULT_MAX_POLL_RECORDS));
        // a member joining or leaving moves only the partitions that change owner; the others keep being consumed
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.putAll(kafkaProperties);
        p.putAll(FIXED_CONSUMER);
        return p;
    }

    Properties producerProperties() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, groupId + "-dead-letters");
        kafkaProperties.forEach((k, v) -> {
            // consumer-only keys would make the producer log "unknown configuration" warnings
            if (ProducerConfig.configNames().contains(k)) {
                p.put(k, v);
            }
        });
        p.putAll(FIXED_PRODUCER);
        return p;
    }

    @Override
    public String toString() {
        return "group=" + groupId + " topics=" + topics + " schema=" + schema + " deadLetterTopic=" + deadLetterTopic
                + " bootstrap=" + bootstrapServers + " maxAttempts=" + maxAttempts + " maxPayloadBytes=" + maxPayloadBytes;
    }

    public static final class Builder {
        private final String bootstrapServers;
        private final String groupId;
        private final String schema;
        private List<String> topics = List.of();
        private String deadLetterTopic;
        private final Map<String, String> kafkaProperties = new LinkedHashMap<>();
        private int maxAttempts = 10;
        private Duration initialBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(5);
        private Duration pollTimeout = Duration.ofSeconds(1);
        private Duration closeTimeout = Duration.ofSeconds(30);
        private int maxPayloadBytes = 1024 * 1024;

        private Builder(String bootstrapServers, String groupId, String schema) {
            this.bootstrapServers = bootstrapServers;
            this.groupId = groupId;
            this.schema = schema;
        }

        public Builder topics(List<String> topics) {
            this.topics = List.copyOf(topics);
            return this;
        }

        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = topic;
            return this;
        }

        /** A Kafka client property for the consumer and the dead-letter producer (TLS, SASL, timeouts). */
        public Builder kafkaProperty(String key, String value) {
            kafkaProperties.put(key, value);
            return this;
        }

        /**
         * Transient-failure retries. Keep the total wait well under the consumer's
         * {@code max.poll.interval.ms} (5 minutes by default), or the group rebalances meanwhile.
         */
        public Builder retries(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
            this.maxAttempts = maxAttempts;
            this.initialBackoff = initialBackoff;
            this.maxBackoff = maxBackoff;
            return this;
        }

        public Builder pollTimeout(Duration pollTimeout) {
            this.pollTimeout = pollTimeout;
            return this;
        }

        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
            return this;
        }

        /** The largest record value the handler is given; larger ones are dead-lettered. */
        public Builder maxPayloadBytes(int maxPayloadBytes) {
            this.maxPayloadBytes = maxPayloadBytes;
            return this;
        }

        /** @throws IllegalArgumentException naming the first invalid setting */
        public ConsumerSettings build() {
            require(bootstrapServers != null && !bootstrapServers.isBlank(), "bootstrapServers is required (host:port[,host:port])");
            require(groupId != null && !groupId.isBlank(), "groupId is required");
            require(schema != null && SQL_NAME.matcher(schema).matches(),
                    "schema '" + schema + "' must be lower-case letters, digits and _ (at most 63), starting with a letter or _");
            require(!topics.isEmpty(), "topics: subscribe to at least one topic");
            topics.forEach(t -> require(TopicNames.isLegal(t), "topics: '" + t + "' is not a legal Kafka topic name"));
            String dlq = deadLetterTopic != null ? deadLetterTopic : groupId + ".dead-letter";
            require(TopicNames.isLegal(dlq), "deadLetterTopic '" + dlq + "' is not a legal Kafka topic name"
                    + (deadLetterTopic == null ? " (derived from groupId; set deadLetterTopic)" : ""));
            require(!topics.contains(dlq), "deadLetterTopic '" + dlq + "' is also subscribed: dead letters would be read back");
            require(!kafkaProperties.containsKey(ConsumerConfig.GROUP_ID_CONFIG), "kafka property 'group.id' cannot be set: use groupId");
            require(!kafkaProperties.containsKey(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG),
                    "kafka property 'bootstrap.servers' cannot be set: use bootstrapServers");
            for (String key : kafkaProperties.keySet()) {
                String fixed = FIXED_CONSUMER.containsKey(key) ? FIXED_CONSUMER.get(key) : FIXED_PRODUCER.get(key);
                require(fixed == null, "kafka property '" + key + "' cannot be set: the runtime fixes it (" + fixed
                        + ") for its delivery guarantee");
            }
            require(maxAttempts >= 1, "maxAttempts must be at least 1");
            require(!initialBackoff.isNegative() && !maxBackoff.isNegative() && initialBackoff.compareTo(maxBackoff) <= 0,
                    "backoff: initialBackoff must be >= 0 and <= maxBackoff");
            require(!pollTimeout.isNegative() && !pollTimeout.isZero(), "pollTimeout must be positive");
            require(!closeTimeout.isNegative() && !closeTimeout.isZero(), "closeTimeout must be positive");
            require(maxPayloadBytes >= 1, "maxPayloadBytes must be at least 1");
            return new ConsumerSettings(this);
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
