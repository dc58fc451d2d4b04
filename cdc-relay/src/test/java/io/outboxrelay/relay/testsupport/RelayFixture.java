package io.outboxrelay.relay.testsupport;

import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.sql.OutboxSchema;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * What the relay's integration tests share: one real PostgreSQL and one real Kafka per test class,
 * and a fresh database, slot and topic names per test so tests do not see each other's events.
 */
public final class RelayFixture {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    public final PostgresInstance postgres;
    public final KafkaInstance kafka;
    public final String database;
    public final String topicPrefix;

    public RelayFixture(PostgresInstance postgres, KafkaInstance kafka) throws SQLException {
        this(postgres, kafka, true);
    }

    /** @param withOutbox apply the outbox-sql migrations; false leaves the database empty (for attach) */
    public RelayFixture(PostgresInstance postgres, KafkaInstance kafka, boolean withOutbox) throws SQLException {
        this.postgres = postgres;
        this.kafka = kafka;
        int n = COUNTER.incrementAndGet();
        this.database = "relay_test_" + n + "_" + ProcessHandle.current().pid();
        this.topicPrefix = "t" + n + "-" + ProcessHandle.current().pid();
        postgres.createDatabase(database);
        if (withOutbox) {
            OutboxSchema.migrate(dataSource());
        }
    }

    public DataSource dataSource() {
        return postgres.dataSource(database);
    }

    /** Settings for a relay on this fixture's database; {@code overrides} win. */
    public Properties relayProperties(Map<String, String> overrides) {
        Properties p = new Properties();
        p.setProperty("relay.name", topicPrefix + "-relay");
        p.setProperty("database.host", postgres.host());
        p.setProperty("database.port", String.valueOf(postgres.port()));
        p.setProperty("database.name", database);
        p.setProperty("database.user", postgres.superuser());
        p.setProperty("database.password", postgres.superuserPassword());
        p.setProperty("kafka.bootstrap.servers", kafka.bootstrapServers());
        p.setProperty("topic.pattern", topicPrefix + ".${aggregateType}");
        p.setProperty("dead.letter.topic", topicPrefix + ".dead-letter");
        p.setProperty("offset.topic", topicPrefix + ".offsets");
        p.setProperty("slot.name", "slot_" + topicPrefix.replace('-', '_'));
        p.setProperty("startup.timeout.ms", "10000");
        p.setProperty("http.port", "0"); // never a fixed port: tests and other builds run side by side
        p.putAll(overrides);
        return p;
    }

    /**
     * {@code relay attach} as the superuser, with these settings written to a configuration file in {@code dir}; its
     * output (stdout and stderr) goes to {@code out}.
     *
     * @return attach's exit code
     */
    public int attach(java.nio.file.Path dir, Map<String, String> settings, java.io.Writer out) throws java.io.IOException {
        return attach(dir, settings, Map.of(), out);
    }

    /**
     * As {@link #attach(java.nio.file.Path, Map, java.io.Writer)}, with {@code environment} as attach's environment
     * (RELAY_ROLE_PASSWORD, ...) and {@code options} after the configuration file (--create-role NAME, ...).
     */
    public int attach(java.nio.file.Path dir, Map<String, String> settings, Map<String, String> environment, java.io.Writer out,
                      String... options) throws java.io.IOException {
        java.nio.file.Path config = dir.resolve(topicPrefix + "-attach.properties");
        try (java.io.Writer w = java.nio.file.Files.newBufferedWriter(config)) {
            relayProperties(settings).store(w, null);
        }
        picocli.CommandLine cli = io.outboxrelay.relay.cli.RelayCli.commandLine(environment);
        cli.setOut(new java.io.PrintWriter(out));
        cli.setErr(new java.io.PrintWriter(out));
        List<String> args = new ArrayList<>(List.of("attach", "--config", config.toString()));
        args.addAll(List.of(options));
        return cli.execute(args.toArray(String[]::new));
    }

    public RelayConfig relayConfig(Map<String, String> overrides) {
        return RelayConfig.from(relayProperties(overrides), Map.of());
    }

    public RelayConfig relayConfig() {
        return relayConfig(Map.of());
    }

    public String topic(String aggregateType) {
        return topicPrefix + "." + aggregateType;
    }

    public void sql(String statement) throws SQLException {
        try (Connection c = dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    /** Sum of the end offsets of the given topics (0 for a topic that does not exist yet). */
    public long endOffsetSum(List<String> topics) {
        return endOffsets(topics).values().stream().mapToLong(Long::longValue).sum();
    }

    public Map<TopicPartition, Long> endOffsets(List<String> topics) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = partitions(consumer, topics);
            return new HashMap<>(consumer.endOffsets(partitions));
        }
    }

    /** Every record on the given topics, from the beginning to the current end, in partition order. */
    public Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> readAll(List<String> topics) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = partitions(consumer, topics);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> out = new HashMap<>();
            partitions.forEach(tp -> out.put(tp, new ArrayList<>()));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read topics " + topics + " to their end within 60 s");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() < end.get(tp)) {
                        out.get(tp).add(r);
                    }
                });
            }
            return out;
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Map<String, Object> props = new HashMap<>(kafka.adminClientProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** An admin client of the fixture's cluster, as its administrator when the cluster has users. */
    public Admin admin() {
        Map<String, Object> props = new HashMap<>(kafka.adminClientProperties());
        props.put("bootstrap.servers", kafka.bootstrapServers());
        return Admin.create(props);
    }

    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, List<String> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        try (Admin admin = admin()) {
            var existing = admin.listTopics().names().get();
            for (String topic : topics) {
                if (existing.contains(topic)) {
                    consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
                }
            }
        }
        catch (Exception e) {
            throw new AssertionError("cannot list topics", e);
        }
        return partitions;
    }

    /** The topics the sample load's events go to, and the dead-letter topic. */
    public List<String> sampleTopics() {
        return List.of(topic("Order"), topic("Customer"), topicPrefix + ".dead-letter");
    }

    /** Waits until the sample load's topics hold {@code expected} records (re-deliveries count). */
    public void awaitDelivered(long expected) {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250))
                .until(() -> endOffsetSum(sampleTopics()) >= expected);
    }
}
