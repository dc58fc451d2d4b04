package io.outboxrelay.relay.kafka;

import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.config.RelayConfig;

/**
 * Creates an event topic the first time the relay sends to it, with the configured partitions,
 * replication factor and retention, instead of leaving it to the broker's auto-creation defaults
 * (which delete events after 7 days, so a new consumer could not replay from the beginning). Topics
 * that {@link TopicCompaction} selects are compacted instead. A topic that already exists is left as
 * it is, also when the relay's principal may not create topics.
 */
public final class TopicProvisioner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    private final Admin admin;
    private final int partitions;
    private final int replicationFactor;
    private final long retentionMs;
    private final Predicate<String> compacted;
    private final Set<String> known = ConcurrentHashMap.newKeySet();

    /**
     * @param partitions        partitions of a created topic; -1 takes the broker default
     * @param replicationFactor replication factor of a created topic; -1 takes the broker default
     * @param retentionMs       retention.ms of a created topic; -1 keeps events forever
     * @param compacted         which created topics get cleanup.policy=compact rather than delete
     */
    public TopicProvisioner(Admin admin, int partitions, int replicationFactor, long retentionMs,
                            Predicate<String> compacted) {
        this.admin = admin;
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
        this.retentionMs = retentionMs;
        this.compacted = compacted;
    }

    /** With the settings topic.partitions, topic.replication.factor, topic.retention.ms and topic.compact.pattern. */
    public static TopicProvisioner of(Admin admin, RelayConfig config) {
        return new TopicProvisioner(admin, config.getInt(RelayConfig.TOPIC_PARTITIONS), config.getInt(RelayConfig.TOPIC_REPLICATION),
                config.getLong(RelayConfig.TOPIC_RETENTION_MS), compaction(config));
    }

    /** An event or dead-letter topic as the relay creates it, with the settings of {@link #of}. */
    public static NewTopic newTopic(String topic, RelayConfig config) {
        return newTopic(topic, config.getInt(RelayConfig.TOPIC_PARTITIONS), config.getInt(RelayConfig.TOPIC_REPLICATION),
                config.getLong(RelayConfig.TOPIC_RETENTION_MS), compaction(config).test(topic));
    }

    private static Predicate<String> compaction(RelayConfig config) {
        return TopicCompaction.of(config.get(RelayConfig.TOPIC_COMPACT_PATTERN), config.get(RelayConfig.DEAD_LETTER_TOPIC));
    }

    private static NewTopic newTopic(String topic, int partitions, int replicationFactor, long retentionMs, boolean compact) {
        return new NewTopic(topic, partitions < 0 ? Optional.empty() : Optional.of(partitions),
                replicationFactor < 0 ? Optional.empty() : Optional.of((short) replicationFactor))
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(retentionMs),
                        TopicConfig.CLEANUP_POLICY_CONFIG,
                        compact ? TopicConfig.CLEANUP_POLICY_COMPACT : TopicConfig.CLEANUP_POLICY_DELETE));
    }

    /** Makes sure {@code topic} exists; cheap after the first call for a topic. */
    public void ensure(String topic) throws InterruptedException {
        if (known.contains(topic)) {
            return;
        }
        try {
            NewTopic newTopic = newTopic(topic, partitions, replicationFactor, retentionMs, compacted.test(topic));
            admin.createTopics(Set.of(newTopic)).all().get(60, TimeUnit.SECONDS);
            LOG.info("Created topic {} (partitions {}, replication factor {}, {})", topic,
                    partitions < 0 ? "default" : partitions, replicationFactor < 0 ? "default" : replicationFactor, newTopic.configs());
        }
        catch (ExecutionException e) {
            boolean exists = e.getCause() instanceof TopicExistsException
                    // Kafka denies the creation before it looks whether the topic exists
                    || e.getCause() instanceof AuthorizationException && exists(topic);
            if (!exists) {
                throw new SendFailedException("cannot create topic " + topic + " (" + e.getCause().getMessage()
                        + "): create it by hand or allow the relay's principal to create topics", e.getCause());
            }
        }
        catch (TimeoutException e) {
            throw new SendFailedException("Kafka did not create topic " + topic + " within 60 s", e);
        }
        known.add(topic);
    }

    private boolean exists(String topic) throws InterruptedException {
        try {
            admin.describeTopics(Set.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS);
            return true;
        }
        catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
