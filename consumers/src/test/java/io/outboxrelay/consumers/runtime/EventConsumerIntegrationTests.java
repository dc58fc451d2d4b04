package io.outboxrelay.consumers.runtime;

import static io.outboxrelay.consumers.testsupport.TestEvents.header;
import static io.outboxrelay.consumers.testsupport.TestEvents.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outboxrelay.consumers.testsupport.ConsumerFixture;
import io.outboxrelay.sql.OutboxHeaders;

/** The runtime's failure handling against real PostgreSQL and Kafka, with a test handler. */
class EventConsumerIntegrationTests {

    private static final String SCHEMA = "test_consumer";

    private ConsumerFixture fixture;
    private String topic;
    private String group;
    private TopicPartition partition;
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final List<EventConsumer> consumers = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        fixture = new ConsumerFixture();
        topic = fixture.name("outbox.Thing");
        group = fixture.name("things");
        partition = new TopicPartition(topic, 0);
        fixture.createTopics(1, topic);
        ConsumerSchema.migrate(fixture.dataSource(), SCHEMA, RecordingHandler.MIGRATIONS);
    }

    @AfterEach
    void tearDown() {
        consumers.forEach(EventConsumer::close);
        fixture.close();
    }

    @Test
    void transientSqlErrorIsRetriedNotDeadLettered() throws Exception {
        AtomicInteger failures = new AtomicInteger(2);
        fixture.produce(things(1, 3));
        start(new RecordingHandler(SCHEMA).hook((event, c) -> {
            if (RecordingHandler.seq(event) == 2 && failures.getAndDecrement() > 0) {
                throw new SQLException("could not serialize access due to concurrent update", "40001");
            }
        }), fixture.dataSource());
        fixture.awaitCaughtUp(group, List.of(topic));

        assertThat(seen()).containsExactly(1, 2, 3);
        assertThat(registry.get(ConsumerMetrics.RETRIES).counter().count()).isEqualTo(2);
        assertThat(registry.get(ConsumerMetrics.DEAD_LETTERS).counter().count()).isZero();
        assertThat(fixture.readAll(group + ".dead-letter")).isEmpty();
    }

    /**
     * What an exactly-once producer (issue 16) relies on: the runtime applies events of committed Kafka transactions
     * only, never those of an aborted one, and waits at an open transaction instead of reading past it.
     */
    @Test
    void appliesCommittedTransactionsOnlyAndWaitsAtAnOpenOne() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, fixture.name("tx"),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()))) {
            producer.initTransactions();
            producer.beginTransaction();
            things(1, 3).forEach(producer::send);
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            things(4, 5).forEach(producer::send);
            producer.commitTransaction();
            producer.beginTransaction();
            things(6, 7).forEach(producer::send);
            producer.flush(); // on the broker, uncommitted
            fixture.produce(things(8, 8)); // after the open transaction, outside any

            start(new RecordingHandler(SCHEMA), fixture.dataSource());
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> seen().size() == 2);
            Thread.sleep(1500); // polls go on: nothing past the open transaction may come
            assertThat(seen()).containsExactly(4, 5);

            producer.commitTransaction();
        }
        fixture.awaitCaughtUp(group, List.of(topic));
        assertThat(seen()).containsExactly(4, 5, 6, 7, 8);
        assertThat(fixture.readAll(group + ".dead-letter")).isEmpty();
    }

    @Test
    void commitWhoseAcknowledgementWasLostIsRetriedAndSkippedAsDuplicate() throws Exception {
        fixture.produce(things(1, 3));
        // the first transaction commits in the database, but the client is told the connection broke
        start(new RecordingHandler(SCHEMA), losingCommitAcknowledgements(fixture.dataSource(), 1));
        fixture.awaitCaughtUp(group, List.of(topic));

        assertThat(seen()).containsExactly(1, 2, 3);
        assertThat(registry.get(ConsumerMetrics.RETRIES).counter().count()).isEqualTo(1);
        // the first transaction applied the first poll's records (all three, or fewer if they came in two polls)
        assertThat(events("duplicate")).isBetween(1.0, 3.0);
        assertThat(events("handled") + events("duplicate")).isEqualTo(3);
    }

    @Test
    void dataErrorFromTheDatabaseDeadLettersTheRecordAndRollsBackItsEffects() throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = things(1, 3);
        fixture.produce(records);
        start(new RecordingHandler(SCHEMA).hook((event, c) -> {
            if (RecordingHandler.seq(event) == 2) {
                // writes, then fails with SQLState 22012 (division by zero): the write must not survive
                c.createStatement().execute("INSERT INTO " + SCHEMA + ".seen (event_id, seq) VALUES (gen_random_uuid(), 99)");
                c.createStatement().execute("SELECT 1 / 0");
            }
        }), fixture.dataSource());
        fixture.awaitCaughtUp(group, List.of(topic));

        assertThat(seen()).containsExactly(1, 3);
        List<ConsumerRecord<byte[], byte[]>> dead = fixture.readAll(group + ".dead-letter");
        assertThat(dead).singleElement().satisfies(r -> {
            assertThat(header(r, OutboxHeaders.DLQ_REASON)).startsWith("database rejected the event (SQLState 22012)");
            assertThat(r.value()).isEqualTo(records.get(1).value());
        });
        assertThat(fixture.count("SELECT count(*) FROM " + SCHEMA + ".processed_event")).isEqualTo(2);
    }

    @Test
    void oneEventTheDatabaseRejectsInABatchOf500IsTheOnlyOneDeadLetteredAndItsNeighboursAreApplied() throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = things(1, 500);
        fixture.produce(records); // all there before the consumer starts: its first poll takes them as one batch
        start(new RecordingHandler(SCHEMA).hook((event, c) -> {
            if (RecordingHandler.seq(event) == 250) {
                c.createStatement().execute("SELECT 1 / 0"); // SQLState 22012: the event's fault, not a transient one
            }
        }), fixture.dataSource());
        fixture.awaitCaughtUp(group, List.of(topic));

        assertThat(seen()).containsExactlyElementsOf(IntStream.rangeClosed(1, 500).filter(n -> n != 250).boxed().toList());
        assertThat(fixture.readAll(group + ".dead-letter")).singleElement().satisfies(r -> {
            assertThat(header(r, OutboxHeaders.DLQ_REASON)).startsWith("database rejected the event (SQLState 22012)");
            assertThat(r.value()).isEqualTo(records.get(249).value());
        });
        assertThat(fixture.count("SELECT count(*) FROM " + SCHEMA + ".processed_event")).isEqualTo(499);
        // applied in batches, not one by one: the split leaves halves of the poll around the poison event
        assertThat(registry.get(ConsumerMetrics.BATCH_SIZE).summary().max()).isGreaterThanOrEqualTo(125);
        assertThat(events("handled")).isEqualTo(499);
    }

    @Test
    void oneEventTheHandlerRejectsInABatchOf500IsTheOnlyOneDeadLettered() throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = things(1, 500);
        fixture.produce(records);
        start(new RecordingHandler(SCHEMA).hook((event, c) -> {
            if (RecordingHandler.seq(event) == 333) {
                throw new RejectedEventException("seq 333 is not a thing this handler accepts");
            }
        }), fixture.dataSource());
        fixture.awaitCaughtUp(group, List.of(topic));

        assertThat(seen()).hasSize(499).doesNotContain(333).isSorted();
        assertThat(fixture.readAll(group + ".dead-letter")).singleElement().satisfies(r -> {
            assertThat(header(r, OutboxHeaders.DLQ_REASON)).isEqualTo("rejected by handler: seq 333 is not a thing this handler accepts");
            assertThat(r.value()).isEqualTo(records.get(332).value());
        });
        assertThat(fixture.count("SELECT count(*) FROM " + SCHEMA + ".processed_event")).isEqualTo(499);
    }

    @Test
    void closeFinishesTheBatchInHandAndCommitsIt() throws Exception {
        fixture.produce(things(1, 6));
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        EventConsumer consumer = start(new RecordingHandler(SCHEMA).hook((event, c) -> {
            if (RecordingHandler.seq(event) == 3) {
                entered.countDown();
                awaitUninterruptibly(release);
            }
        }), fixture.dataSource());
        assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(consumer::close);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> consumer.state() == EventConsumer.State.STOPPING);
        Thread.sleep(200); // let close() wake the consumer while the record is in hand
        assertThat(closing).isNotDone();
        release.countDown();
        closing.get(20, TimeUnit.SECONDS);

        assertThat(consumer.state()).isEqualTo(EventConsumer.State.STOPPED);
        long committed = fixture.committedOffsets(group).get(partition);
        assertThat(committed).as("the batch in hand (from event 1 to at least 3) finished and committed").isBetween(3L, 6L);
        assertThat(seen()).hasSize((int) committed);

        start(new RecordingHandler(SCHEMA), fixture.dataSource());
        fixture.awaitCaughtUp(group, List.of(topic));
        assertThat(seen()).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void exhaustedRetriesStopTheConsumerWithoutCommittingTheBatch() throws Exception {
        fixture.produce(things(1, 3));
        EventConsumer consumer = start(new RecordingHandler(SCHEMA).hook((event, c) -> {
            if (RecordingHandler.seq(event) == 2) {
                throw new SQLException("terminating connection due to administrator command", "57P01");
            }
        }), fixture.dataSource());

        assertThatThrownBy(() -> consumer.stopped().get(20, TimeUnit.SECONDS))
                .hasCauseInstanceOf(ConsumerFailedException.class)
                .hasMessageContaining("failed 5 times with transient database errors");
        assertThat(consumer.state()).isEqualTo(EventConsumer.State.FAILED);
        // event 1 came in the same poll as event 2 (then nothing is applied), or alone before it
        long committed = fixture.committedOffsets(group).getOrDefault(partition, 0L);
        assertThat(committed).isBetween(0L, 1L);
        assertThat(seen()).hasSize((int) committed);
        assertThat(registry.get(ConsumerMetrics.DEAD_LETTERS).counter().count()).isZero();
    }

    @Test
    void handlerBugStopsTheConsumerInsteadOfDeadLettering() throws Exception {
        fixture.produce(things(1, 2));
        EventConsumer consumer = start(new RecordingHandler(SCHEMA).hook((event, c) -> {
            if (RecordingHandler.seq(event) == 1) {
                throw new NullPointerException("a bug");
            }
        }), fixture.dataSource());

        assertThatThrownBy(() -> consumer.stopped().get(20, TimeUnit.SECONDS))
                .hasCauseInstanceOf(ConsumerFailedException.class)
                .hasMessageContaining("a bug");
        assertThat(seen()).isEmpty();
        assertThat(fixture.committedOffsets(group)).isEmpty();
        assertThat(fixture.readAll(group + ".dead-letter")).isEmpty();
    }

    @Test
    void startFailsWithAnActionableMessageWhenProcessedEventTableIsMissing() {
        EventConsumer consumer = new EventConsumer(fixture.settings(group, "no_such_schema", List.of(topic)).build(),
                fixture.dataSource(), new RecordingHandler("no_such_schema"), registry);
        consumers.add(consumer);

        assertThatThrownBy(consumer::start)
                .isInstanceOf(ConsumerFailedException.class)
                .hasMessage("table no_such_schema.processed_event does not exist: migrate the schema with"
                        + " ConsumerSchema.migrate before starting");
        assertThat(consumer.state()).isEqualTo(EventConsumer.State.FAILED);
    }

    private EventConsumer start(EventHandler handler, DataSource dataSource) {
        EventConsumer consumer = new EventConsumer(fixture.settings(group, SCHEMA, List.of(topic)).build(), dataSource,
                handler, registry);
        consumers.add(consumer);
        return consumer.start();
    }

    private List<ProducerRecord<byte[], byte[]>> things(int from, int to) {
        return IntStream.rangeClosed(from, to)
                .mapToObj(n -> record(topic, "thing-1", UUID.randomUUID(), "Thing", "Thing", "{\"seq\":" + n + "}"))
                .toList();
    }

    private List<Integer> seen() throws SQLException {
        return fixture.rows("SELECT seq FROM " + SCHEMA + ".seen ORDER BY id").stream().map(r -> (Integer) r.get(0)).toList();
    }

    private double events(String outcome) {
        return registry.get(ConsumerMetrics.EVENTS).tag(ConsumerMetrics.OUTCOME_TAG, outcome).counter().count();
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The first {@code count} commits succeed in the database, then throw a connection failure. */
    private static DataSource losingCommitAcknowledgements(DataSource target, int count) {
        AtomicInteger toLose = new AtomicInteger(count);
        return proxy(DataSource.class, target, (method, result) -> {
            if (method.equals("getConnection")) {
                return proxy(Connection.class, (Connection) result, (m, r) -> {
                    if (m.equals("commit") && toLose.getAndDecrement() > 0) {
                        throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
                    }
                    return r;
                });
            }
            return result;
        });
    }

    @FunctionalInterface
    private interface After {
        Object apply(String method, Object result) throws SQLException;
    }

    /** Calls the target, then lets {@code after} replace the result or throw. */
    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, T target, After after) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> {
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            return after.apply(method.getName(), result);
        });
    }
}
