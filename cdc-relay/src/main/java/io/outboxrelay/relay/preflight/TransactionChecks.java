package io.outboxrelay.relay.preflight;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.ProducerSettings;

/**
 * What {@code delivery.guarantee=exactly-once} needs of the brokers, checked before anything is read from the database:
 * that they can host the transaction state log (its replication factor no more than the brokers, every partition of it
 * with at least {@code transaction.state.log.min.isr} in sync) and that the relay's {@code transaction.timeout.ms} is
 * within their {@code transaction.max.timeout.ms}. A broker whose configuration the relay may not read is not checked
 * (the transactional id's ACLs are checked when the relay starts its producer: checking them here would fence a relay
 * still streaming, for which a standby waits).
 */
final class TransactionChecks {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionChecks.class);
    private static final String STATE_LOG = "__transaction_state";

    private final RelayConfig config;
    private final Admin admin;
    private final int timeoutMs;

    TransactionChecks(RelayConfig config, Admin admin) {
        this.config = config;
        this.admin = admin;
        this.timeoutMs = config.getInt(RelayConfig.STARTUP_TIMEOUT_MS);
    }

    void run() throws InterruptedException, ExecutionException, TimeoutException {
        Collection<Node> nodes = admin.describeCluster().nodes().get(timeoutMs, TimeUnit.MILLISECONDS);
        Map<String, String> broker = brokerConfig(nodes.iterator().next());
        if (broker == null) {
            return;
        }
        long relayTimeout = ProducerSettings.transactionTimeout(config).toMillis();
        long brokerMax = Long.parseLong(broker.getOrDefault("transaction.max.timeout.ms", "900000"));
        if (relayTimeout > brokerMax) {
            throw new StartupException("delivery.guarantee=exactly-once: the relay's transaction.timeout.ms (" + relayTimeout
                    + ") exceeds the brokers' transaction.max.timeout.ms (" + brokerMax + "): lower"
                    + " kafka.producer.transaction.timeout.ms or raise transaction.max.timeout.ms on the brokers");
        }
        int minIsr = Integer.parseInt(broker.getOrDefault("transaction.state.log.min.isr", "2"));
        TopicDescription stateLog = stateLog();
        if (stateLog == null) {
            int replication = Integer.parseInt(broker.getOrDefault("transaction.state.log.replication.factor", "3"));
            if (replication > nodes.size()) {
                throw new StartupException("delivery.guarantee=exactly-once: the brokers cannot create their transaction state"
                        + " log (transaction.state.log.replication.factor=" + replication + ", " + nodes.size() + " broker(s)"
                        + " up): lower it on the brokers, or set delivery.guarantee=at-least-once");
            }
            return;
        }
        long shortOfIsr = stateLog.partitions().stream().filter(p -> p.isr().size() < minIsr).count();
        if (shortOfIsr > 0) {
            throw new StartupException("delivery.guarantee=exactly-once: " + shortOfIsr + " partition(s) of " + STATE_LOG
                    + " have fewer in-sync replicas than transaction.state.log.min.isr=" + minIsr
                    + ", so Kafka cannot commit transactions: bring the brokers back, or set delivery.guarantee=at-least-once");
        }
    }

    /** @return the broker's settings, or null when the relay may not read them */
    private Map<String, String> brokerConfig(Node node) throws InterruptedException, ExecutionException, TimeoutException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER, node.idString());
        try {
            Config described = admin.describeConfigs(List.of(resource)).all().get(timeoutMs, TimeUnit.MILLISECONDS).get(resource);
            return described.entries().stream().filter(e -> e.value() != null)
                    .collect(java.util.stream.Collectors.toMap(ConfigEntry::name, ConfigEntry::value));
        }
        catch (ExecutionException e) {
            if (e.getCause() instanceof AuthorizationException) {
                LOG.info("Not allowed to read the brokers' configuration (DescribeConfigs): their transaction settings are"
                        + " not checked before start");
                return null;
            }
            throw e;
        }
    }

    private TopicDescription stateLog() throws InterruptedException, ExecutionException, TimeoutException {
        try {
            return admin.describeTopics(Set.of(STATE_LOG)).allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS).get(STATE_LOG);
        }
        catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException || e.getCause() instanceof AuthorizationException) {
                return null; // created with the first transaction; an internal topic the relay may not see is not checked
            }
            throw e;
        }
    }
}
