package io.outboxrelay.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.outboxrelay.sql.OutboxSchema;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * What the bench gives a contender, for a contender's integration test: a database of its own with
 * the outbox migrated, and a {@link BenchContext} pointing at it. PostgreSQL and Kafka are started
 * once per JVM, on first use, and stopped by the testkit when the JVM exits.
 */
final class ContenderTestBed {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private static final class Servers {
        static final PostgresInstance POSTGRES = Infrastructure.startPostgres();
        static final KafkaInstance KAFKA = Infrastructure.startKafka();
    }

    private final PostgresInstance postgres = Servers.POSTGRES;
    private final KafkaInstance kafka = Servers.KAFKA;
    private final String database;

    private ContenderTestBed(String database) {
        this.database = database;
    }

    /** A new database with the outbox (the bench's is called {@code bench}). */
    static ContenderTestBed create() {
        ContenderTestBed bed = new ContenderTestBed("bench_" + DATABASES.incrementAndGet());
        bed.postgres.createDatabase(bed.database);
        OutboxSchema.migrate(bed.dataSource());
        return bed;
    }

    BenchContext context(Path logDirectory) {
        return new BenchContext(postgres.host(), postgres.port(), database, postgres.superuser(),
                postgres.superuserPassword(), kafka.bootstrapServers(), logDirectory, List.of("-Xmx256m"));
    }

    DataSource dataSource() {
        return postgres.dataSource(database);
    }

    /** Creates a topic of one partition, named after {@code name} and this bed's database; returns its name. */
    String createTopic(String name) throws Exception {
        String topic = database + "." + name;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        return topic;
    }

    /** Every record of partition 0 of {@code topic}, in offset order. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        TopicPartition tp = new TopicPartition(topic, 0);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** The first column of every row {@code sql} returns, as text, in order. */
    List<String> column(String sql) throws SQLException {
        try (Connection c = dataSource().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    /** The first two columns of every row {@code sql} returns, as text. */
    Map<String, String> pairs(String sql) throws SQLException {
        try (Connection c = dataSource().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            Map<String, String> out = new LinkedHashMap<>();
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
            return out;
        }
    }

    static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

}
