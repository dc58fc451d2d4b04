package io.outboxrelay.bench;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.ProducerSettings;
import io.outboxrelay.sql.OutboxHeaders;

/**
 * The child JVM of {@link PollingContender}: a polling outbox publisher as outbox libraries build
 * them, with one poller. Each round, in one transaction: select the oldest rows
 * ({@code FOR UPDATE SKIP LOCKED}), send each to Kafka as the relay would (key aggregate_id, value
 * payload, the relay's headers), wait for every acknowledgement in order, delete exactly those rows
 * by primary key, commit. A row is never deleted before Kafka acknowledged it; a crash between the
 * acknowledgement and the commit sends its batch again (at least once, as the relay).
 * When a round found fewer rows than a batch, it sleeps the poll interval.
 * <p>
 * Settings ({@link ChildSettings}): {@code jdbc.url}, {@code database.user},
 * {@code kafka.bootstrap.servers}, {@code topic}, {@code batch.size}, {@code poll.interval.ms}.
 * Prints {@value #READY} once it can send, and on SIGTERM finishes its round and exits.
 */
final class PollingPublisher {

    static final String READY = "polling publisher ready";
    static final String BOOTSTRAP = "kafka.bootstrap.servers";
    static final String TOPIC = "topic";
    static final String BATCH_SIZE = "batch.size";
    static final String POLL_INTERVAL_MS = "poll.interval.ms";

    /*
     * Order: the outbox has no sequence column. occurred_at is now() of the writing transaction, its
     * START, not its commit; ctid (the row's place in the heap) breaks ties within a transaction in
     * insertion order, as long as no row of that transaction went into space freed by VACUUM (event_id,
     * a random UUID, would scramble them every time). So rows go out in the order of their transactions'
     * starts among the rows visible at each poll: a transaction that started first but committed last
     * (two writers serialised by a lock on the same aggregate) is sent FIRST if both are visible to one
     * poll, and after the other if that one was already sent. The relay reads the WAL: commit order.
     */
    private static final String SELECT = "SELECT event_id, aggregate_type, aggregate_id, event_type, payload::text,"
            + " occurred_at, trace_id, correlation_id FROM outbox.event ORDER BY occurred_at, ctid LIMIT ?"
            + " FOR UPDATE SKIP LOCKED";
    private static final String DELETE = "DELETE FROM outbox.event WHERE event_id = ANY (?)";

    private final Connection connection;
    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final int batchSize;
    private final long pollIntervalMillis;
    private final PreparedStatement select;
    private final PreparedStatement delete;
    private volatile boolean running = true;

    private PollingPublisher(Connection connection, Producer<byte[], byte[]> producer, String topic, int batchSize,
                             long pollIntervalMillis) throws SQLException {
        this.connection = connection;
        this.producer = producer;
        this.topic = topic;
        this.batchSize = batchSize;
        this.pollIntervalMillis = pollIntervalMillis;
        this.select = connection.prepareStatement(SELECT);
        this.select.setInt(1, batchSize);
        this.delete = connection.prepareStatement(DELETE);
    }

    public static void main(String[] args) {
        try {
            ChildSettings settings = ChildSettings.load(PollingPublisher.class.getName(), args);
            run(settings);
        }
        catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
        catch (Exception e) {
            System.err.println("polling publisher failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(ChildSettings settings) throws Exception {
        int batchSize = (int) settings.getLong(BATCH_SIZE, PollingContender.DEFAULT_BATCH_SIZE, 1);
        long pollInterval = settings.getLong(POLL_INTERVAL_MS, PollingContender.DEFAULT_POLL_INTERVAL.toMillis(), 0);
        String topic = settings.get(TOPIC);
        Properties db = settings.connectionProperties("bench-polling-publisher");
        CountDownLatch stopped = new CountDownLatch(1);
        try (Connection connection = DriverManager.getConnection(settings.get(ChildSettings.JDBC_URL), db);
             Producer<byte[], byte[]> producer = new KafkaProducer<>(producerSettings(settings.get(BOOTSTRAP)))) {
            connection.setAutoCommit(false);
            producer.partitionsFor(topic);
            PollingPublisher publisher = new PollingPublisher(connection, producer, topic, batchSize, pollInterval);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> publisher.stop(stopped), "stop"));
            System.out.printf("%s: batch %d, poll interval %d ms, topic %s%n", READY, batchSize, pollInterval, topic);
            System.out.flush();
            publisher.loop();
        }
        finally {
            stopped.countDown();
        }
    }

    /**
     * The relay's producer settings (acks=all, idempotent, 5 in flight, its linger and batch size), from a
     * relay configuration that says only where Kafka is; the database settings it requires are not used.
     */
    static Map<String, Object> producerSettings(String bootstrapServers) {
        Properties p = new Properties();
        p.setProperty(RelayConfig.KAFKA_BOOTSTRAP.name(), bootstrapServers);
        p.setProperty(RelayConfig.RELAY_NAME.name(), "bench-polling-publisher");
        p.setProperty(RelayConfig.DATABASE_NAME.name(), "unused");
        p.setProperty(RelayConfig.DATABASE_USER.name(), "unused");
        return ProducerSettings.from(RelayConfig.from(p, Map.of()));
    }

    private void loop() throws Exception {
        long published = 0;
        while (running) {
            int rows = publishBatch();
            published += rows;
            if (rows < batchSize && running) {
                Thread.sleep(pollIntervalMillis);
            }
        }
        System.out.println("polling publisher stopped after publishing " + published + " events");
    }

    /** One round in one transaction; returns how many rows it published and deleted. */
    private int publishBatch() throws SQLException, InterruptedException {
        List<UUID> ids = new ArrayList<>(batchSize);
        List<Future<RecordMetadata>> acks = new ArrayList<>(batchSize);
        try {
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    UUID eventId = rs.getObject(1, UUID.class);
                    ids.add(eventId);
                    acks.add(producer.send(record(rs, eventId)));
                }
            }
            for (Future<RecordMetadata> ack : acks) {
                awaitAck(ack);
            }
            if (!ids.isEmpty()) {
                delete.setArray(1, connection.createArrayOf("uuid", ids.toArray()));
                int deleted = delete.executeUpdate();
                if (deleted != ids.size()) {
                    throw new IllegalStateException("deleted " + deleted + " of the " + ids.size() + " rows it had locked");
                }
            }
            connection.commit();
            return ids.size();
        }
        catch (SQLException | InterruptedException | RuntimeException e) {
            connection.rollback();
            throw e;
        }
    }

    private ProducerRecord<byte[], byte[]> record(ResultSet rs, UUID eventId) throws SQLException {
        RecordHeaders headers = new RecordHeaders();
        headers.add(OutboxHeaders.EVENT_ID, utf8(eventId.toString()));
        headers.add(OutboxHeaders.EVENT_TYPE, utf8(rs.getString(4)));
        headers.add(OutboxHeaders.AGGREGATE_TYPE, utf8(rs.getString(2)));
        headers.add(OutboxHeaders.OCCURRED_AT, utf8(rs.getObject(6, OffsetDateTime.class).toString()));
        // the relay's default header.columns
        addIfSet(headers, "traceId", rs.getString(7));
        addIfSet(headers, "correlationId", rs.getString(8));
        return new ProducerRecord<>(topic, null, null, utf8(rs.getString(3)), utf8(rs.getString(5)), headers);
    }

    private static void awaitAck(Future<RecordMetadata> ack) throws InterruptedException {
        try {
            ack.get();
        }
        catch (ExecutionException e) {
            throw new IllegalStateException("Kafka did not acknowledge an event (" + e.getCause() + "); its rows stay in "
                    + "the outbox", e.getCause());
        }
    }

    /** On SIGTERM: lets the current round finish (acknowledged and committed) and the producer close, then exits. */
    private void stop(CountDownLatch stopped) {
        running = false;
        try {
            if (!stopped.await(20, TimeUnit.SECONDS)) {
                System.err.println("polling publisher: the current round did not finish within 20 s; exiting anyway");
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void addIfSet(RecordHeaders headers, String name, String value) {
        if (value != null) {
            headers.add(name, utf8(value));
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
