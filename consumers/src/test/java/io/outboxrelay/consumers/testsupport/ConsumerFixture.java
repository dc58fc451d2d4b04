package io.outboxrelay.consumers.testsupport;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.outboxrelay.consumers.runtime.ConsumerSettings;
import io.outboxrelay.consumers.runtime.DataSources;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * What consumer integration tests share: one real PostgreSQL and one real Kafka per JVM (started
 * on first use, stopped by the testkit when the JVM exits), and per test a fresh database and
 * topic prefix so tests never see each other's rows or records.
 */
public final class ConsumerFixture implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private static final class Servers {
        static final PostgresInstance POSTGRES = Infrastructure.startPostgres();
        static final KafkaInstance KAFKA = Infrastructure.startKafka();
    }

    private final String prefix;
    private final HikariDataSource dataSource;
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;
    private HikariDataSource autoCommitDataSource;

    public ConsumerFixture() {
        int n = COUNTER.incrementAndGet();
        prefix = "c" + n + "-" + ProcessHandle.current().pid();
        String database = "consumer_test_" + n;
        Servers.POSTGRES.createDatabase(database);
        dataSource = DataSources.pooled(Servers.POSTGRES.jdbcUrl(database), Servers.POSTGRES.superuser(),
                Servers.POSTGRES.superuserPassword(), prefix + "-pool");
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        admin = Admin.create(p);
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        // a test may send records larger than Kafka's 1 MB default to a topic created to take them
        pp.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(pp);
    }

    public HikariDataSource dataSource() {
        return dataSource;
    }

    /**
     * A second pool on the same database whose connections start in auto-commit, as the legacy
     * {@code OrderService} and {@code SeedData} require (they run their own transactions).
     */
    public synchronized HikariDataSource autoCommitDataSource() {
        if (autoCommitDataSource == null) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(dataSource.getJdbcUrl());
            config.setUsername(dataSource.getUsername());
            config.setPassword(dataSource.getPassword());
            config.setPoolName(prefix + "-autocommit-pool");
            config.setMaximumPoolSize(4);
            config.setAutoCommit(true);
            autoCommitDataSource = new HikariDataSource(config);
        }
        return autoCommitDataSource;
    }

    public String bootstrapServers() {
        return Servers.KAFKA.bootstrapServers();
    }

    /** A name unique to this test: for topics and groups. */
    public String name(String suffix) {
        return prefix + "." + suffix;
    }

    /** Settings with quick retries, so that retry tests stay fast. */
    public ConsumerSettings.Builder settings(String group, String schema, List<String> topics) {
        return ConsumerSettings.builder(bootstrapServers(), group, schema)
                .topics(topics)
                .retries(5, Duration.ofMillis(20), Duration.ofMillis(100))
                .pollTimeout(Duration.ofMillis(200));
    }

    public void createTopics(int partitions, String... topics) throws Exception {
        admin.createTopics(Arrays.stream(topics).map(t -> new NewTopic(t, partitions, (short) 1)).toList()).all().get();
    }

    /** One topic with topic-level configuration, e.g. {@code max.message.bytes}. */
    public void createTopic(String topic, int partitions, Map<String, String> configs) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get();
    }

    /** Sends each record in order and waits for every acknowledgement. */
    public List<RecordMetadata> produce(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> r : records) {
            acks.add(producer.send(r));
        }
        List<RecordMetadata> out = new ArrayList<>();
        for (Future<RecordMetadata> ack : acks) {
            out.add(ack.get());
        }
        return out;
    }

    /** Waits until the group has committed offsets up to the end of every partition of the topics. */
    public void awaitCaughtUp(String group, List<String> topics) {
        Awaitility.await("group " + group + " caught up on " + topics)
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> lag(group, topics) == 0);
    }

    /** End offset minus committed offset, summed over the topics' partitions. */
    public long lag(String group, List<String> topics) throws ExecutionException, InterruptedException {
        Map<TopicPartition, Long> end = endOffsets(topics);
        Map<TopicPartition, Long> committed = committedOffsets(group);
        return end.entrySet().stream().mapToLong(e -> e.getValue() - committed.getOrDefault(e.getKey(), 0L)).sum();
    }

    public Map<TopicPartition, Long> committedOffsets(String group) throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, Long> out = new HashMap<>();
        offsets.forEach((tp, om) -> {
            if (om != null) {
                out.put(tp, om.offset());
            }
        });
        return out;
    }

    public Map<TopicPartition, Long> endOffsets(List<String> topics) throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        admin.describeTopics(topics).allTopicNames().get().forEach((topic, description) ->
                description.partitions().forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
        return admin.listOffsets(request).all().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /**
     * Moves an inactive group's committed offsets back to the start of every partition: the
     * state a consumer leaves when it dies after its database commits and before any offset commit.
     */
    public void resetGroupToEarliest(String group, List<String> topics) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
        endOffsets(topics).keySet().forEach(tp -> start.put(tp, new OffsetAndMetadata(0)));
        admin.alterConsumerGroupOffsets(group, start).all().get();
    }

    /** Every record of a topic from the beginning to its current end (empty if the topic does not exist). */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) throws Exception {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        readEach(topic, out::add);
        return out;
    }

    /**
     * Hands every record of a topic, from the beginning to its current end, to {@code action} without
     * keeping them: for topics too large to hold. Nothing if the topic does not exist.
     */
    public void readEach(String topic, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> action) throws Exception {
        if (!admin.listTopics().names().get().contains(topic)) {
            return;
        }
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            Map<TopicPartition, Long> end = endOffsets(List.of(topic));
            consumer.assign(end.keySet());
            consumer.seekToBeginning(end.keySet());
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end " + end + " (no record for 20 s)");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    action.accept(r);
                    deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                }
            }
        }
    }

    /** Rows of a query; numerics as plain strings, timestamps as Instants, so rows compare by value. */
    public List<List<Object>> rows(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData md = rs.getMetaData();
            List<List<Object>> rows = new ArrayList<>();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    row.add(v instanceof BigDecimal d ? d.toPlainString() : v instanceof Timestamp t ? t.toInstant() : v);
                }
                rows.add(row);
            }
            c.commit();
            return rows;
        }
    }

    public long count(String sql) throws SQLException {
        return ((Number) rows(sql).get(0).get(0)).longValue();
    }

    @Override
    public void close() {
        producer.close();
        admin.close();
        if (autoCommitDataSource != null) {
            autoCommitDataSource.close();
        }
        dataSource.close();
    }
}
