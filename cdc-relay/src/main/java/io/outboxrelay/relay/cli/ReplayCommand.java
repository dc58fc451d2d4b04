package io.outboxrelay.relay.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

import io.outboxrelay.relay.config.ConfigException;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.ProducerSettings;
import io.outboxrelay.relay.preflight.StartupException;
import io.outboxrelay.relay.replay.GroupReset;

import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Resets a consumer group so that its consumers replay: from the beginning, a time or an offset. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Reset a consumer group's offsets on the given topics, so its consumers replay events.",
                "Stop the group's consumers first. Kafka settings come from the relay's configuration file"
                        + " (kafka.bootstrap.servers and any TLS/SASL kafka.producer.* settings) or from"
                        + " --bootstrap-servers with an optional --command-config client properties file.",
                "Exit codes: 0 done, 1 Kafka refused the reset (running consumers, a missing topic), 2 bad configuration"
                        + " or usage, 3 cannot use Kafka."},
        footer = {"", "Examples:",
                "  relay replay --config relay.properties --group read-model-v2 --topic outbox.Order --to-earliest",
                "  relay replay --bootstrap-servers kafka:9092 --group payments --topic outbox.Order --to-time 2026-11-27T10:00:00Z",
                "  relay replay --bootstrap-servers kafka:9093 --command-config client-sasl.properties --group billing --topic outbox.Order --to-offset 0"})
public final class ReplayCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Cluster cluster;

    static final class Cluster {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "The relay's properties file (RELAY_* environment variables apply).")
        Path config;

        @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
        String bootstrap;
    }

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Kafka client properties (security.protocol, sasl.*, ssl.*) used with --bootstrap-servers.")
    Path commandConfig;

    @Option(names = "--group", required = true, description = "Consumer group to reset.")
    String group;

    @Option(names = "--topic", required = true, description = "Topic to reset (repeatable).")
    List<String> topics;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--to-earliest", description = "The first retained event.")
        boolean earliest;

        @Option(names = "--to-time", paramLabel = "ISO-8601", description = "The first event at or after this time.")
        Instant time;

        @Option(names = "--to-offset", description = "This offset in every partition.")
        Long offset;

        GroupReset.Target toTarget() {
            return earliest ? GroupReset.Target.earliest()
                    : time != null ? GroupReset.Target.time(time) : GroupReset.Target.offset(offset);
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Map<String, Object> client = clientSettings();
        String where = String.valueOf(client.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
        try (Admin admin = Admin.create(client)) {
            Map<TopicPartition, Long> offsets = GroupReset.reset(admin, group, topics, target.toTarget());
            Map<String, Long> sorted = new TreeMap<>();
            offsets.forEach((tp, o) -> sorted.put(tp.toString(), o));
            sorted.forEach((tp, o) -> spec.commandLine().getOut().printf("%s %s -> %d%n", group, tp, o));
            spec.commandLine().getOut().flush();
            return RelayCli.EXIT_OK;
        }
        catch (KafkaException e) { // a client that cannot be built (TLS files, SASL settings) or a broken connection
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new StartupException("cannot use Kafka at " + where + ": " + cause.getMessage(), e);
        }
    }

    private Map<String, Object> clientSettings() {
        Map<String, Object> client = new HashMap<>();
        if (cluster.config != null) {
            RelayConfig relayConfig = RelayConfig.load(cluster.config, System.getenv());
            LogFormat.use(relayConfig.get(RelayConfig.LOG_FORMAT));
            client.putAll(ProducerSettings.admin(relayConfig, "replay"));
        }
        else {
            if (commandConfig != null) {
                Properties p = new Properties();
                try (Reader reader = Files.newBufferedReader(commandConfig)) {
                    p.load(reader);
                }
                catch (IOException e) {
                    throw new ConfigException("cannot read --command-config " + commandConfig + ": " + e.getMessage());
                }
                p.stringPropertyNames().forEach(k -> client.put(k, p.getProperty(k)));
            }
            client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap);
        }
        client.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        client.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000); // must not be below request.timeout.ms
        return client;
    }
}
