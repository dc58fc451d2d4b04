package io.outboxrelay.pipeline.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.postgresql.ds.PGSimpleDataSource;

import io.outboxrelay.pipeline.EmbeddedRelayConfig;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.sql.OutboxSchema;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * The bench's own PostgreSQL and Kafka, started in-process (testkit), a migrated database, and the
 * two topics everything is measured on. Closing stops both servers and deletes what they wrote.
 */
final class BenchEnvironment implements AutoCloseable {

    static final String DATABASE = "bench";
    static final String RELAY_NAME = "bench-relay";
    static final String RELAY_SLOT = "bench_relay";
    /** Every bench event has this aggregate type, so the relay writes one topic: {@link #RELAY_TOPIC}. */
    static final String AGGREGATE_TYPE = "Order";
    static final String RELAY_TOPIC = "bench." + AGGREGATE_TYPE;
    /** Where the raw producer writes: a topic of its own, shaped like {@link #RELAY_TOPIC}. */
    static final String RAW_TOPIC = "bench.raw-producer";

    private final PostgresInstance postgres;
    private final KafkaInstance kafka;

    private BenchEnvironment(PostgresInstance postgres, KafkaInstance kafka) {
        this.postgres = postgres;
        this.kafka = kafka;
    }

    static BenchEnvironment start() throws Exception {
        PostgresInstance postgres = Infrastructure.startPostgres();
        KafkaInstance kafka = null;
        try {
            kafka = Infrastructure.startKafka();
            BenchEnvironment env = new BenchEnvironment(postgres, kafka);
            postgres.createDatabase(DATABASE);
            OutboxSchema.migrate(env.dataSource());
            env.createTopics();
            return env;
        }
        catch (Exception | Error e) {
            closeQuietly(kafka, e);
            closeQuietly(postgres, e);
            throw e;
        }
    }

    DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(postgres.jdbcUrl(DATABASE));
        ds.setUser(postgres.superuser());
        ds.setPassword(postgres.superuserPassword());
        // one multi-row INSERT per transaction instead of one round trip per event
        ds.setReWriteBatchedInserts(true);
        ds.setApplicationName("outbox-bench");
        return ds;
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** The relay's configuration on this environment, with the relay's own defaults for everything else. */
    RelayConfig relayConfig() {
        return EmbeddedRelayConfig.of(postgres, kafka, DATABASE, Map.of("relay.name", RELAY_NAME, "slot.name", RELAY_SLOT,
                "topic.pattern", "bench.${aggregateType}", "dead.letter.topic", "bench.dead-letter",
                "offset.topic", "bench.offsets"));
    }

    /** Both topics get the same shape (1 partition, as the broker default gives the relay's topics). */
    private void createTopics() throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(RELAY_TOPIC, 1, (short) 1), new NewTopic(RAW_TOPIC, 1, (short) 1)))
                    .all().get();
        }
    }

    /** The end offset of partition 0 of a bench topic (each has one partition). */
    long endOffset(String topic) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            // assigned first: asked about a partition it does not own, the consumer logs a warning
            consumer.assign(List.of(tp));
            return consumer.endOffsets(List.of(tp)).get(tp);
        }
    }

    /** Up to {@code max} records of a bench topic from {@code fromOffset}, as Kafka stored them. */
    List<ConsumerRecord<byte[], byte[]>> read(String topic, long fromOffset, int max) {
        TopicPartition tp = new TopicPartition(topic, 0);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>(max);
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, fromOffset);
            long end = Math.min(consumer.endOffsets(List.of(tp)).get(tp), fromOffset + max);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }

    KafkaConsumer<byte[], byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        try {
            kafka.close();
        }
        catch (RuntimeException e) {
            failure = e;
        }
        try {
            postgres.close();
        }
        catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            }
            else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void closeQuietly(AutoCloseable closeable, Throwable failure) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        }
        catch (Exception e) {
            failure.addSuppressed(e);
        }
    }
}
