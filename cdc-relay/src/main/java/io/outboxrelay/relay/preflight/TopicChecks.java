package io.outboxrelay.relay.preflight;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.error.Causes;
import io.outboxrelay.relay.kafka.TopicProvisioner;

/**
 * The relay creates its dead-letter topic and (through Debezium's offset store) its offset topic when
 * they are missing: each missing one is created here with {@code validateOnly}, which Kafka authorizes
 * and validates like a real creation, so a missing CREATE ACL or an impossible replication factor
 * stops the start instead of the first dead letter.
 */
final class TopicChecks {

    private static final Logger LOG = LoggerFactory.getLogger(TopicChecks.class);
    private static final String AGGREGATE_TYPE = "${aggregateType}";
    /** Made up for checking event topic settings; validated only, never created. */
    private static final String PROBE_AGGREGATE_TYPE = "outbox-relay-preflight-probe";

    private final RelayConfig config;
    private final Admin admin;
    private final String principal;
    private final String bootstrap;
    private final int timeoutMs;

    TopicChecks(RelayConfig config, Admin admin, String principal) {
        this.config = config;
        this.admin = admin;
        this.principal = principal;
        this.bootstrap = config.get(RelayConfig.KAFKA_BOOTSTRAP);
        this.timeoutMs = config.getInt(RelayConfig.STARTUP_TIMEOUT_MS);
    }

    void run() throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, NewTopic> needed = new LinkedHashMap<>();
        String deadLetter = config.get(RelayConfig.DEAD_LETTER_TOPIC);
        needed.put(deadLetter, TopicProvisioner.newTopic(deadLetter, config));
        needed.put(config.get(RelayConfig.OFFSET_TOPIC), offsetTopic());
        String pattern = config.get(RelayConfig.TOPIC_PATTERN);
        if (!pattern.contains(AGGREGATE_TYPE)) {
            needed.put(pattern, TopicProvisioner.newTopic(pattern, config));
        }
        // Only topics the principal may describe are listed; one it may not see counts as missing.
        needed.keySet().removeAll(admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS));
        if (!needed.isEmpty()) {
            validateCreation(needed);
        }
        if (pattern.contains(AGGREGATE_TYPE)) {
            validateEventTopicSettings(pattern.replace(AGGREGATE_TYPE, PROBE_AGGREGATE_TYPE));
        }
        if (pattern.contains(AGGREGATE_TYPE) && !mayCreateTopics()) {
            LOG.warn("{} may not create topics on the cluster: every event topic matching {} must exist already"
                    + " (or be covered by a prefixed CREATE ACL), or the relay fails at the first event for a new aggregate type",
                    principal, pattern);
        }
    }

    /**
     * At run time the relay treats a topic Kafka refuses to create as the rows' problem (they become dead letters), so
     * settings that would make Kafka refuse every event topic must stop the start instead: a replication factor above the
     * brokers, partitions or retention Kafka rejects. Checked on a made-up topic with {@code validateOnly}; a principal
     * that may not create topics, or a policy that refuses this made-up name, proves nothing either way.
     */
    private void validateEventTopicSettings(String probe) throws InterruptedException, TimeoutException {
        try {
            admin.createTopics(List.of(TopicProvisioner.newTopic(probe, config)), new CreateTopicsOptions().validateOnly(true)
                    .timeoutMs(timeoutMs)).all().get(timeoutMs, TimeUnit.MILLISECONDS);
        }
        catch (ExecutionException e) {
            Throwable cause = e.getCause();
            // exactly InvalidConfigurationException: Kafka derives its authorization errors from it
            if (cause instanceof InvalidReplicationFactorException || cause instanceof InvalidPartitionsException
                    || cause.getClass() == InvalidConfigurationException.class) {
                throw new StartupException("Kafka at " + bootstrap + " would not create event topics with these settings (topic '"
                        + probe + "': " + Causes.firstLine(cause) + "): check " + settingsOf(probe), cause);
            }
            if (!(cause instanceof AuthorizationException) && !(cause instanceof TopicExistsException)) {
                LOG.warn("Kafka at {} would not create topic '{}' ({}): event topics it refuses likewise get dead letters instead",
                        bootstrap, probe, Causes.firstLine(cause));
            }
        }
    }

    private void validateCreation(Map<String, NewTopic> missing) throws InterruptedException, TimeoutException {
        Map<String, KafkaFuture<Void>> results = admin.createTopics(missing.values(), new CreateTopicsOptions().validateOnly(true)
                .timeoutMs(timeoutMs)).values();
        List<String> denied = new ArrayList<>();
        for (String topic : missing.keySet()) {
            try {
                results.get(topic).get(timeoutMs, TimeUnit.MILLISECONDS);
            }
            catch (ExecutionException e) {
                if (e.getCause() instanceof AuthorizationException) {
                    denied.add(topic);
                }
                else if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new StartupException("Kafka at " + bootstrap + " would not create topic '" + topic + "' ("
                            + Causes.firstLine(e.getCause()) + "): check " + settingsOf(topic), e.getCause());
                }
            }
        }
        if (!denied.isEmpty()) {
            String topics = String.join(", ", denied);
            throw new StartupException("Kafka at " + bootstrap + " does not let " + principal + " create topics, and the relay needs "
                    + topics + ", which do not exist (or " + principal + " may not describe them): run kafka-acls --bootstrap-server "
                    + bootstrap + " --add --allow-principal " + principal + " --operation Create --cluster, or create " + topics
                    + " beforehand (the offset topic compacted) and allow " + principal + " to describe, read and write them");
        }
    }

    /** As Debezium's offset store creates it (see DebeziumSettings): one compacted partition. */
    private NewTopic offsetTopic() {
        int replication = config.getInt(RelayConfig.OFFSET_TOPIC_REPLICATION);
        return new NewTopic(config.get(RelayConfig.OFFSET_TOPIC), Optional.of(1),
                replication < 0 ? Optional.empty() : Optional.of((short) replication))
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    }

    private String settingsOf(String topic) {
        return topic.equals(config.get(RelayConfig.OFFSET_TOPIC)) ? "offset.topic and offset.topic.replication.factor"
                : "topic.partitions, topic.replication.factor and topic.retention.ms";
    }

    /** Without DESCRIBE on the cluster Kafka reports no operations at all: then this says no, perhaps wrongly. */
    private boolean mayCreateTopics() throws InterruptedException, ExecutionException, TimeoutException {
        Set<AclOperation> operations = admin.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true))
                .authorizedOperations().get(timeoutMs, TimeUnit.MILLISECONDS);
        return operations == null || operations.contains(AclOperation.CREATE) || operations.contains(AclOperation.ALL);
    }
}
