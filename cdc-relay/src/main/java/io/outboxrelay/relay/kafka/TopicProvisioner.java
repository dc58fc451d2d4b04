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
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates an event topic the first time the relay sends to it, with the configured partitions,
 * replication factor and retention, instead of leaving it to the broker's auto-creation defaults
 * (which delete events after 7 days, so a new consumer could not replay from the beginning). Topics
 * that {@link TopicCompaction} selects are compacted instead. A topic that already exists is left as
 * it is.
 */
public final class TopicProvisioner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    private final Admin admin;
    private final int partitions;
    private final short replicationFactor;
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
        this.replicationFactor = (short) replicationFactor;
        this.retentionMs = retentionMs;
        this.compacted = compacted;
    }

    /** Makes sure {@code topic} exists; cheap after the first call for a topic. */
    public void ensure(String topic) throws InterruptedException {
        if (known.contains(topic)) {
            return;
        }
        Map<String, String> topicConfig = Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(retentionMs),
                TopicConfig.CLEANUP_POLICY_CONFIG,
                compacted.test(topic) ? TopicConfig.CLEANUP_POLICY_COMPACT : TopicConfig.CLEANUP_POLICY_DELETE);
        NewTopic newTopic = new NewTopic(topic, partitions < 0 ? Optional.empty() : Optional.of(partitions),
                replicationFactor < 0 ? Optional.empty() : Optional.of(replicationFactor)).configs(topicConfig);
        try {
            admin.createTopics(Set.of(newTopic)).all().get(60, TimeUnit.SECONDS);
            LOG.info("Created topic {} (partitions {}, replication factor {}, {})", topic,
                    partitions < 0 ? "default" : partitions, replicationFactor < 0 ? "default" : replicationFactor, topicConfig);
        }
        catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new SendFailedException("cannot create topic " + topic + " (" + e.getCause().getMessage()
                        + "): create it by hand or allow the relay's principal to create topics", e.getCause());
            }
        }
        catch (TimeoutException e) {
            throw new SendFailedException("Kafka did not create topic " + topic + " within 60 s", e);
        }
        known.add(topic);
    }

    @Override
    public void close() {
        admin.close();
    }
}
