package io.outboxrelay.testkit;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

/**
 * The real Kafka broker, in this JVM: one combined KRaft node (controller and broker), like
 * {@code kafka-storage.sh format} followed by {@code kafka-server-start.sh}. With {@link KafkaOptions#sasl}
 * the client listener takes SASL/SCRAM-SHA-256 only, with {@link KafkaOptions#tls} TLS only (both: SASL_SSL);
 * the controller listener stays plaintext and is never advertised to clients.
 */
final class EmbeddedKafkaInstance implements KafkaInstance {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaInstance.class);
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final KafkaConfig config;
    /** Null while stopped by {@link #stopBroker()}. */
    private KafkaRaftServer server;
    private final String bootstrapServers;
    private final KafkaOptions options;
    private final Path directory;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafkaInstance(KafkaConfig config, KafkaRaftServer server, String bootstrapServers, KafkaOptions options,
                                  Path directory) {
        this.config = config;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.options = options;
        this.directory = directory;
        this.shutdownHook = Local.onShutdown("kafka-" + bootstrapServers + "-closer", this::close);
    }

    static KafkaInstance start(KafkaOptions options) {
        long start = System.nanoTime();
        EmbeddedKafkaInstance instance = Local.withRetries("embedded Kafka", () -> startOnce(options));
        LOG.info("Kafka ({}) started on {} in {} ms", options, instance.bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return instance;
    }

    private static EmbeddedKafkaInstance startOnce(KafkaOptions options) throws Exception {
        Path directory = Local.createTempDirectory("outbox-kafka-");
        KafkaRaftServer server = null;
        try {
            String bootstrapServers = Local.HOST + ":" + Local.freePort();
            int controllerPort = Local.freePort();
            Properties settings = settings(bootstrapServers, controllerPort, directory.resolve("logs"));
            settings.putAll(securitySettings(options, bootstrapServers, controllerPort));
            KafkaConfig config = new KafkaConfig(settings, false);
            format(config, options);
            server = new KafkaRaftServer(config, Time.SYSTEM);
            // Returns once the broker is unfenced, i.e. ready for clients.
            server.startup();
            return new EmbeddedKafkaInstance(config, server, bootstrapServers, options, directory);
        } catch (Exception | Error e) {
            if (server != null) {
                stop(server);
            }
            Local.deleteRecursively(directory);
            throw e;
        }
    }

    private static Properties settings(String bootstrapServers, int controllerPort, Path logDir) {
        Properties props = new Properties();
        props.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", String.valueOf(NODE_ID)),
                // A static quorum of one: no dynamic-voter bootstrapping needed.
                Map.entry("controller.quorum.voters", NODE_ID + "@" + Local.HOST + ":" + controllerPort),
                Map.entry("controller.listener.names", CONTROLLER_LISTENER),
                Map.entry("listeners", "PLAINTEXT://" + bootstrapServers + "," + CONTROLLER_LISTENER + "://" + Local.HOST + ":" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://" + bootstrapServers),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT"),
                Map.entry("log.dirs", logDir.toString()),
                // One node: every internal topic must make do with one replica.
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                // Fewer internal partitions: the first consumer group and transaction are ready sooner.
                Map.entry("offsets.topic.num.partitions", "1"),
                Map.entry("transaction.state.log.num.partitions", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                Map.entry("auto.create.topics.enable", "true"),
                Map.entry("num.partitions", "1")));
        return props;
    }

    /** Overrides of {@link #settings} for TLS, SASL users and the authorizer; none for plaintext. */
    private static Map<String, String> securitySettings(KafkaOptions options, String bootstrapServers, int controllerPort) {
        if (!options.isSasl() && !options.isTls()) {
            return Map.of();
        }
        // the listener is named after its protocol: SSL, SASL_PLAINTEXT or SASL_SSL
        String listener = options.securityProtocol();
        Map<String, String> props = new HashMap<>();
        props.put("listeners", listener + "://" + bootstrapServers + "," + CONTROLLER_LISTENER + "://" + Local.HOST + ":" + controllerPort);
        props.put("advertised.listeners", listener + "://" + bootstrapServers);
        props.put("inter.broker.listener.name", listener);
        props.put("listener.security.protocol.map", listener + ":" + listener + "," + CONTROLLER_LISTENER + ":PLAINTEXT");
        if (options.isTls()) {
            // the broker reaches itself over this listener too, so it needs the trust store as well
            props.putAll(options.certificates().brokerProperties());
            props.put("ssl.client.auth", "none");
        }
        if (options.isSasl()) {
            props.put("sasl.enabled.mechanisms", KafkaOptions.SASL_MECHANISM);
            props.put("sasl.mechanism.inter.broker.protocol", KafkaOptions.SASL_MECHANISM);
            // The broker talks to itself over the client listener as the administrator.
            props.put("listener.name." + listener.toLowerCase(Locale.ROOT) + "." + KafkaOptions.SASL_MECHANISM.toLowerCase(Locale.ROOT)
                    + ".sasl.jaas.config", KafkaOptions.jaasConfig(options.admin()));
        }
        if (options.hasAuthorizer()) {
            props.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            props.put("allow.everyone.if.no.acl.found", "false");
            // ANONYMOUS is the broker registering with its own controller over the plaintext controller
            // listener, which is not advertised: clients only ever reach the SASL listener.
            props.put("super.users", options.admin().principal() + ";User:ANONYMOUS");
        }
        return props;
    }

    /**
     * What {@code kafka-storage.sh format} does: meta.properties and the bootstrap metadata, with the
     * SCRAM credentials ({@code --add-scram}) so that they exist before the first request.
     */
    private static void format(KafkaConfig config, KafkaOptions options) throws Exception {
        List<String> scram = options.users().stream()
                .map(user -> KafkaOptions.SASL_MECHANISM + "=[name=" + user.name() + ",password=\"" + user.password() + "\"]")
                .toList();
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setMetadataLogDirectory(config.metadataLogDir())
                .addDirectory(config.metadataLogDir())
                .setScramArguments(scram)
                .run();
    }

    private static void stop(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Could not stop Kafka cleanly", e);
        }
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public Map<String, String> adminClientProperties() {
        return options.clientProperties(options.isSasl() ? options.admin() : null);
    }

    @Override
    public Map<String, String> clientProperties(KafkaUser user) {
        if (!options.isSasl()) {
            return KafkaInstance.super.clientProperties(user);
        }
        return options.clientProperties(user);
    }

    @Override
    public synchronized void stopBroker() {
        if (closed.get()) {
            throw new IllegalStateException(this + " is closed");
        }
        if (server != null) {
            stop(server);
            server = null;
            LOG.info("{} stopped; its logs are kept", this);
        }
    }

    @Override
    public synchronized void startBroker() {
        if (closed.get()) {
            throw new IllegalStateException(this + " is closed");
        }
        if (server != null) {
            return;
        }
        long start = System.nanoTime();
        // already formatted: the same config finds its meta.properties, metadata log and records
        KafkaRaftServer restarted = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            restarted.startup();
        } catch (RuntimeException e) {
            stop(restarted);
            throw new InfrastructureException("Could not start " + this + " again: " + e.getMessage(), e);
        }
        server = restarted;
        LOG.info("{} started again in {} ms", this, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /** The temp directory holding the log directories; for tests. */
    Path directory() {
        return directory;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Local.cancel(shutdownHook);
        synchronized (this) {
            if (server != null) {
                stop(server);
                server = null;
            }
        }
        Local.deleteRecursively(directory);
    }

    @Override
    public String toString() {
        return "embedded Kafka (" + options + ") on " + bootstrapServers;
    }
}
