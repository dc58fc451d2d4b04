package io.outboxrelay.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.sql.OutboxSchema;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * Kafka Connect standalone with Debezium and the EventRouter, in a child JVM, on real PostgreSQL and Kafka:
 * it sees exactly what is committed after its slot was created (also before the worker streams), writes each
 * event once with key, value and event id header as the relay would, in commit order, stops delivering while
 * paused, and leaves no slot, offsets or password behind.
 */
class ConnectContenderIntegrationTests {

    private static final String TOPIC = "bench.kafka-connect";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A row of the outbox as committed, in commit order. */
    private record Row(String eventId, String aggregateId, String payload) {
    }

    @Test
    void relaysEveryEventCommittedAfterItsSlotWasCreatedOnceEachInCommitOrderThenDropsTheSlot(@TempDir Path logs)
            throws Exception {
        try (PostgresInstance postgres = Infrastructure.startPostgres(); KafkaInstance kafka = Infrastructure.startKafka()) {
            postgres.createDatabase(BenchEnvironment.DATABASE);
            DataSource db = dataSource(postgres);
            OutboxSchema.migrate(db);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            }
            BenchContext context = new BenchContext(postgres.host(), postgres.port(), BenchEnvironment.DATABASE,
                    postgres.superuser(), postgres.superuserPassword(), kafka.bootstrapServers(), logs,
                    // C1 only: the child starts sooner, and nothing here is timed
                    List.of("-Xmx512m", "-XX:TieredStopAtLevel=1"));

            ConnectContender connect = new ConnectContender(TOPIC);
            try (EventWriter writer = new EventWriter(db, 100)) {
                writer.write(100, 100); // before the slot: never to be seen
                connect.createSlot(context);
                writer.write(500, 100); // while Connect is not running yet: the slot keeps them
                connect.launch(context);
                writer.write(1000, 100);
                await().atMost(Duration.ofSeconds(60)).until(() -> connect.delivered() == 1500);

                connect.process().pause();
                writer.write(500, 100);
                assertThat(connect.delivered()).as("nothing delivered while paused").isEqualTo(1500);
                connect.process().resume();
                await().atMost(Duration.ofSeconds(60)).until(() -> connect.delivered() >= 2000);
            }

            List<Row> committed = rows(db);
            List<ConsumerRecord<byte[], byte[]>> records = read(kafka.bootstrapServers(), 2000 + 10);
            assertThat(records).as("exactly the events committed after the slot, once each").hasSize(2000);
            assertThat(connect.delivered()).isEqualTo(2000);
            Map<String, List<String>> relayedPerAggregate = new HashMap<>();
            Map<String, List<String>> committedPerAggregate = new HashMap<>();
            for (int i = 0; i < records.size(); i++) {
                ConsumerRecord<byte[], byte[]> record = records.get(i);
                Row row = committed.get(100 + i);
                assertThat(text(record.key())).isEqualTo(row.aggregateId());
                assertThat(JSON.readTree(record.value())).isEqualTo(JSON.readTree(row.payload()));
                Header id = record.headers().lastHeader(connect.eventIdHeader());
                assertThat(id).as("event id header").isNotNull();
                assertThat(text(id.value())).isEqualTo(row.eventId());
                relayedPerAggregate.computeIfAbsent(text(record.key()), k -> new ArrayList<>()).add(text(id.value()));
                committedPerAggregate.computeIfAbsent(row.aggregateId(), k -> new ArrayList<>()).add(row.eventId());
            }
            assertThat(relayedPerAggregate).as("per-aggregate order = commit order").isEqualTo(committedPerAggregate);

            connect.close();
            assertThat(slots(db)).as("replication slots after close").doesNotContain(ConnectContender.SLOT);
            assertThat(logs.resolve("kafka-connect.offsets")).doesNotExist();
            try (var files = Files.list(logs)) {
                for (Path file : files.toList()) {
                    assertThat(Files.readString(file)).as("%s holds no password", file.getFileName())
                            .doesNotContain(postgres.superuserPassword());
                }
            }
        }
    }

    private static DataSource dataSource(PostgresInstance postgres) {
        return postgres.dataSource(BenchEnvironment.DATABASE);
    }

    /** The outbox in commit order: one writer, so the payload's sequence number is the commit order. */
    private static List<Row> rows(DataSource db) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT event_id::text, aggregate_id, payload::text FROM outbox.event"
                     + " ORDER BY (payload->>'seq')::bigint")) {
            while (rs.next()) {
                rows.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3)));
            }
        }
        return rows;
    }

    private static List<String> slots(DataSource db) throws Exception {
        List<String> slots = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT slot_name FROM pg_replication_slots")) {
            while (rs.next()) {
                slots.add(rs.getString(1));
            }
        }
        return slots;
    }

    /** Everything on the topic, up to {@code max} records. */
    private static List<ConsumerRecord<byte[], byte[]>> read(String bootstrapServers, int max) {
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrapServers),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(tp) < end && out.size() < max && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
