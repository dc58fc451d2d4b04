package io.outboxrelay.relay.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.config.RelayConfig;

/**
 * Creates an event topic the first time the relay sends to it, with the configured partitions,
 * replication factor and retention, instead of leaving it to the broker's auto-creation defaults
 * (which delete events after 7 days, so a new consumer could not replay from the beginning). Topics
 * that {@link TopicCompaction} selects are compacted instead. A topic that already exists is left as
 * it is, also when the relay's principal may not create topics. A name Kafka refuses for good is the
 * rows' problem, not the relay's: {@link #ensure} says why, and they become dead letters.
 */
public final class TopicProvisioner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);
    private static final Duration LEADER_WAIT = Duration.ofSeconds(30);
    /** Most topic names remembered as ready or refused: a few in practice; beyond, Kafka is asked again. */
    private static final int MAX_REMEMBERED = 10_000;

    private final Admin admin;
    private final int partitions;
    private final int replicationFactor;
    private final long retentionMs;
    private final Predicate<String> compacted;
    private final Duration retryFor;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    /** Topic -> why Kafka refused to create it, so that each later row of it does not ask again. */
    private final Map<String, String> refused = new ConcurrentHashMap<>();

    /**
     * @param partitions        partitions of a created topic; -1 takes the broker default
     * @param replicationFactor replication factor of a created topic; -1 takes the broker default
     * @param retentionMs       retention.ms of a created topic; -1 keeps events forever
     * @param compacted         which created topics get cleanup.policy=compact rather than delete
     * @param retryFor          how long a creation that fails for the cluster's state (not the name's) is tried again
     */
    public TopicProvisioner(Admin admin, int partitions, int replicationFactor, long retentionMs,
                            Predicate<String> compacted, Duration retryFor) {
        this.admin = admin;
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
        this.retentionMs = retentionMs;
        this.compacted = compacted;
        this.retryFor = retryFor;
    }

    /**
     * With the settings topic.partitions, topic.replication.factor, topic.retention.ms and topic.compact.pattern; a creation
     * the cluster's state prevents is tried again for kafka.ack.timeout.ms.
     */
    public static TopicProvisioner of(Admin admin, RelayConfig config) {
        return new TopicProvisioner(admin, config.getInt(RelayConfig.TOPIC_PARTITIONS), config.getInt(RelayConfig.TOPIC_REPLICATION),
                config.getLong(RelayConfig.TOPIC_RETENTION_MS), compaction(config),
                Duration.ofMillis(config.getInt(RelayConfig.KAFKA_ACK_TIMEOUT_MS)));
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

    /**
     * Makes sure {@code topic} exists and each of its partitions has a leader; cheap after the first call for a topic.
     *
     * @return null when the topic is ready; otherwise why Kafka refuses to create it for good (a name that collides
     *         with an existing topic's, a name or configuration a policy forbids, ...: {@link Failure#ROW}), which is the
     *         rows' fault, not the relay's: they go to the dead-letter topic with this reason
     * @throws SendFailedException when the relay may not create topics, or Kafka could not create it for {@code retryFor}
     *         (brokers down or fenced, not enough of them for the replication factor): the relay must stop
     */
    public String ensure(String topic) throws InterruptedException {
        if (known.contains(topic)) {
            return null;
        }
        String refusal = refused.get(topic);
        if (refusal != null) {
            return refusal;
        }
        long giveUpAt = System.nanoTime() + retryFor.toNanos();
        for (long backoffMs = 200; ; backoffMs = Math.min(backoffMs * 2, 5_000)) {
            Throwable cause;
            try {
                create(topic, Math.max(1_000, TimeUnit.NANOSECONDS.toMillis(giveUpAt - System.nanoTime())));
                break;
            }
            catch (ExecutionException e) {
                cause = e.getCause();
            }
            catch (TimeoutException e) {
                cause = e;
            }
            boolean exists = cause instanceof TopicExistsException
                    // Kafka denies the creation before it looks whether the topic exists
                    || cause instanceof AuthorizationException && exists(topic);
            if (exists) {
                break;
            }
            if (Failure.of(cause) == Failure.ROW) {
                refusal = "Kafka refused to create topic " + topic + " (" + Failure.describe(cause) + ")";
                LOG.warn("{}: its events go to the dead-letter topic", refusal);
                if (refused.size() < MAX_REMEMBERED) {
                    refused.put(topic, refusal);
                }
                return refusal;
            }
            if (cause instanceof AuthorizationException) {
                throw new SendFailedException("cannot create topic " + topic + " (" + Failure.describe(cause)
                        + "): create it by hand or allow the relay's principal to create topics", cause);
            }
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs) > giveUpAt) {
                throw new SendFailedException("Kafka could not create topic " + topic + " for " + retryFor.toSeconds() + " s ("
                        + Failure.describe(cause) + "): " + (cause instanceof InvalidReplicationFactorException
                        ? "fewer brokers are up (and unfenced) than topic.replication.factor asks for; check the brokers"
                        : "check that the brokers are up"), cause);
            }
            // pre-flight validated the settings, so this is the cluster's state (a broker fenced while it restarts, a
            // controller election, a timeout): it passes
            LOG.warn("Kafka could not create topic {} ({}); trying again in {} ms", topic, Failure.describe(cause), backoffMs);
            Thread.sleep(backoffMs);
        }
        awaitLeaders(topic);
        if (known.size() < MAX_REMEMBERED) {
            known.add(topic);
        }
        return null;
    }

    /** @param waitMs how long to wait for Kafka's answer (an unreachable broker gives none) */
    private void create(String topic, long waitMs) throws ExecutionException, TimeoutException, InterruptedException {
        NewTopic newTopic = newTopic(topic, partitions, replicationFactor, retentionMs, compacted.test(topic));
        admin.createTopics(Set.of(newTopic)).all().get(waitMs, TimeUnit.MILLISECONDS);
        LOG.info("Created topic {} (partitions {}, replication factor {}, {})", topic,
                partitions < 0 ? "default" : partitions, replicationFactor < 0 ? "default" : replicationFactor, newTopic.configs());
    }

    /**
     * A producer that sends to a partition before its leader serves it can get NOT_LEADER_OR_FOLLOWER on its first
     * batch and then, seen once in two runs against a Kafka 4.3 broker, OUT_OF_ORDER_SEQUENCE_NUMBER on every retry
     * until delivery.timeout.ms (the producer treats it as retriable): so the first send waits until every partition
     * has a leader in the metadata and that leader answers for it (a ListOffsets request, which only the serving leader
     * answers; the metadata alone names a broker ~100 ms before it has become leader, measured: one NOT_LEADER retry per
     * four new topics). Bounded: past {@link #LEADER_WAIT} the producer's own retries and timeouts take over.
     */
    private void awaitLeaders(String topic) throws InterruptedException {
        long deadline = System.nanoTime() + LEADER_WAIT.toNanos();
        String last = "not described yet";
        while (System.nanoTime() < deadline) {
            try {
                TopicDescription description = admin.describeTopics(Set.of(topic)).allTopicNames()
                        .get(LEADER_WAIT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
                if (!description.partitions().isEmpty() && description.partitions().stream()
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
                    description.partitions().forEach(p -> partitions.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
                    admin.listOffsets(partitions).all().get(LEADER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    return;
                }
                last = "partitions without a leader";
            }
            catch (ExecutionException | TimeoutException e) {
                last = e.getCause() != null ? e.getCause().getMessage() : e.toString(); // not served on this broker yet
            }
            Thread.sleep(20);
        }
        LOG.warn("Topic {} has no serving leader for every partition after {} s ({}); sending anyway", topic,
                LEADER_WAIT.toSeconds(), last);
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
