package io.outboxrelay.consumers.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The decisions taken before any database work: every one of these records must reach the dead-letter topic. */
class RecordProcessorUnitTests {

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final ConsumerSettings settings = ConsumerSettings.builder("kafka:9092", "g", "s").topics(List.of("in")).build();

    private final EventHandler handler = new EventHandler() {
        @Override
        public Set<String> handledEventTypes() {
            return Set.of("OrderPlaced");
        }

        @Override
        public Set<String> ignoredEventTypes() {
            return Set.of("PaymentCompleted");
        }

        @Override
        public void handle(Event event, Connection connection) {
            throw new AssertionError("must not be called");
        }
    };

    private RecordProcessor processor(MockProducer<byte[], byte[]> producer) {
        return processor(producer, settings);
    }

    private RecordProcessor processor(MockProducer<byte[], byte[]> producer, ConsumerSettings settings) {
        return new RecordProcessor(handler, new IdempotentTransaction(databaseNeverReached(), "s"),
                new DeadLetterPublisher(producer, "g.dead-letter", "g"), new ConsumerMetrics(registry, "g"), settings,
                new CountDownLatch(1));
    }

    @Test
    void deadLettersWhatTheHandlerCannotBeGiven() throws Exception {
        String id = UUID.randomUUID().toString();
        assertDeadLettered(record(null, "OrderPlaced", "{}"), "missing eventId header");
        assertDeadLettered(record("not-a-uuid", "OrderPlaced", "{}"), "eventId header is not a UUID: 'not-a-uuid'");
        assertDeadLettered(record("1-2-3-4-5", "OrderPlaced", "{}"), "eventId header is not a UUID: '1-2-3-4-5'");
        assertDeadLettered(record(id, null, "{}"), "missing eventType header");
        assertDeadLettered(record(id, "OrderShipped", "{}"),
                "unknown event type 'OrderShipped': handled are [OrderPlaced], ignored are [PaymentCompleted]");
        assertDeadLettered(record(id, "OrderPlaced", "{\"a\":"), "payload is not valid JSON: Unexpected end-of-input");
        assertDeadLettered(record(id, "OrderPlaced", "{\"a\":1} {\"b\":2}"), "payload is not valid JSON: Trailing token");
        assertDeadLettered(record(id, "OrderPlaced", "[1, 2]"), "payload is not a JSON object");
        assertDeadLettered(record(id, "OrderPlaced", null), "payload is not a JSON object");

        assertThat(registry.get(ConsumerMetrics.DEAD_LETTERS).tag(ConsumerMetrics.GROUP_TAG, "g").counter().count()).isEqualTo(9);
    }

    @Test
    void quotesAHostileHeaderInTheReasonShortAndEscapedAndStillNamesTheHandledTypes() throws Exception {
        String id = UUID.randomUUID().toString();
        assertDeadLettered(record(id, "Evil\nType" + "x".repeat(10_000), "{}"), "unknown event type 'Evil\\nType"
                + "x".repeat(190) + "... (9810 more characters)': handled are [OrderPlaced], ignored are [PaymentCompleted]");
        assertDeadLettered(record(id + "\u0000" + "-".repeat(10_000), "OrderPlaced", "{}"),
                "eventId header is not a UUID: '" + id + "\\u0000" + "-".repeat(158) + "... (9842 more characters)'");
    }

    @Test
    void deadLettersAPayloadLargerThanTheConsumerAcceptsBeforeParsingIt() throws Exception {
        ConsumerSettings small = ConsumerSettings.builder("kafka:9092", "g", "s").topics(List.of("in")).maxPayloadBytes(16).build();
        String id = UUID.randomUUID().toString();

        assertThat(processor(producer, small).process(record(id, "OrderPlaced", "{\"padding\": \"0123456789\"}"))).isTrue();

        assertThat(text(producer.history().get(0), "dlqReason"))
                .isEqualTo("payload of 25 bytes is larger than the consumer accepts (16 bytes, maxPayloadBytes)");
    }

    @Test
    void deadLetterTooLargeForTheDeadLetterTopicIsSentWithoutItsValue() throws Exception {
        MockProducer<byte[], byte[]> limited = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r, Callback callback) {
                if (r.value() != null && r.value().length > 20) {
                    return CompletableFuture.failedFuture(new RecordTooLargeException("The message is 1234 bytes"));
                }
                return super.send(r, callback);
            }
        };
        String payload = "{\"padding\": \"" + "x".repeat(100) + "\"}";

        assertThat(processor(limited).process(record(UUID.randomUUID().toString(), "OrderShipped", payload))).isTrue();

        assertThat(limited.history()).singleElement().satisfies(dead -> {
            assertThat(dead.value()).isNull();
            assertThat(dead.key()).isEqualTo("order-1".getBytes(StandardCharsets.UTF_8));
            assertThat(text(dead, "dlqValueDroppedBytes")).isEqualTo(String.valueOf(payload.length()));
            assertThat(text(dead, "dlqReason")).startsWith("unknown event type 'OrderShipped'");
            assertThat(text(dead, "dlqOriginalOffset")).isEqualTo("41");
        });
        assertThat(registry.get(ConsumerMetrics.DEAD_LETTERS).counter().count()).isEqualTo(1);
    }

    @Test
    void deadLetterKeepsTheOriginalRecordAndSaysWhereItCameFrom() throws Exception {
        ConsumerRecord<byte[], byte[]> original = record(UUID.randomUUID().toString(), "OrderShipped", "{\"x\":1}");
        processor(producer).process(original);

        ProducerRecord<byte[], byte[]> dead = producer.history().get(0);
        assertThat(dead.topic()).isEqualTo("g.dead-letter");
        assertThat(dead.key()).isEqualTo(original.key());
        assertThat(dead.value()).isEqualTo(original.value());
        assertThat(text(dead, "eventType")).isEqualTo("OrderShipped");
        assertThat(text(dead, "dlqOriginalTopic")).isEqualTo("outbox.Order");
        assertThat(text(dead, "dlqOriginalPartition")).isEqualTo("2");
        assertThat(text(dead, "dlqOriginalOffset")).isEqualTo("41");
        assertThat(text(dead, "dlqConsumerGroup")).isEqualTo("g");
    }

    @Test
    void returnsOnlyOnceKafkaAcknowledgedTheDeadLetter() throws Exception {
        MockProducer<byte[], byte[]> manual = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        RecordProcessor processor = processor(manual);
        CompletableFuture<Boolean> done = CompletableFuture.supplyAsync(() -> {
            try {
                return processor.process(record(null, "OrderPlaced", "{}"));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        while (manual.history().isEmpty()) {
            Thread.onSpinWait();
        }
        Thread.sleep(50);
        assertThat(done).isNotDone();
        manual.completeNext();
        assertThat(done.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void deadLetterSendThatFailsStopsTheConsumer() {
        MockProducer<byte[], byte[]> manual = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        RecordProcessor processor = processor(manual);
        CompletableFuture<Boolean> done = CompletableFuture.supplyAsync(() -> {
            try {
                return processor.process(record(null, "OrderPlaced", "{}"));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        while (manual.history().isEmpty()) {
            Thread.onSpinWait();
        }
        manual.errorNext(new org.apache.kafka.common.errors.TimeoutException("no broker"));

        assertThatThrownBy(() -> done.get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(ConsumerFailedException.class)
                .hasMessageContaining("Kafka did not acknowledge the dead letter for outbox.Order-2@41");
        assertThat(registry.get(ConsumerMetrics.DEAD_LETTERS).counter().count()).isZero();
    }

    @Test
    void rejectsAHandlerThatBothHandlesAndIgnoresAType() {
        EventHandler confused = new EventHandler() {
            @Override
            public Set<String> handledEventTypes() {
                return Set.of("A", "B");
            }

            @Override
            public Set<String> ignoredEventTypes() {
                return Set.of("B");
            }

            @Override
            public void handle(Event event, Connection connection) {
            }
        };
        assertThatThrownBy(() -> new RecordProcessor(confused, null, null, null, settings, new CountDownLatch(1)))
                .hasMessage("event types both handled and ignored: [B]");
    }

    private void assertDeadLettered(ConsumerRecord<byte[], byte[]> record, String reason) throws Exception {
        int before = producer.history().size();
        assertThat(processor(producer).process(record)).isTrue();
        assertThat(producer.history()).hasSize(before + 1);
        assertThat(text(producer.history().get(before), "dlqReason")).startsWith(reason);
    }

    private static ConsumerRecord<byte[], byte[]> record(String eventId, String eventType, String payload) {
        RecordHeaders headers = new RecordHeaders();
        if (eventId != null) {
            headers.add("eventId", eventId.getBytes(StandardCharsets.UTF_8));
        }
        if (eventType != null) {
            headers.add("eventType", eventType.getBytes(StandardCharsets.UTF_8));
        }
        headers.add("aggregateType", "Order".getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>("outbox.Order", 2, 41, 0L, TimestampType.CREATE_TIME, 0, 0,
                "order-1".getBytes(StandardCharsets.UTF_8), payload == null ? null : payload.getBytes(StandardCharsets.UTF_8),
                headers, java.util.Optional.empty());
    }

    private static String text(ProducerRecord<byte[], byte[]> record, String header) {
        return new String(record.headers().lastHeader(header).value(), StandardCharsets.UTF_8);
    }

    /** Every path under test decides before touching the database. */
    private static DataSource databaseNeverReached() {
        return new DataSource() {
            @Override
            public Connection getConnection() {
                throw new AssertionError("the database must not be reached");
            }

            @Override
            public Connection getConnection(String user, String password) {
                return getConnection();
            }

            @Override
            public PrintWriter getLogWriter() {
                return null;
            }

            @Override
            public void setLogWriter(PrintWriter out) {
            }

            @Override
            public void setLoginTimeout(int seconds) {
            }

            @Override
            public int getLoginTimeout() {
                return 0;
            }

            @Override
            public Logger getParentLogger() {
                return Logger.getGlobal();
            }

            @Override
            public <T> T unwrap(Class<T> iface) {
                return null;
            }

            @Override
            public boolean isWrapperFor(Class<?> iface) {
                return false;
            }
        };
    }
}
