package io.outboxrelay.consumers.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import io.outboxrelay.sql.OutboxHeaders;

/** What a dead letter carries when the original is hostile: too large to copy whole, or quoting text unfit for a log. */
class DeadLetterPublisherUnitTests {

    @Test
    void deadLetterTooLargeEvenWithoutAValueIsSentWithoutItsKeyAndLargeHeaders() throws Exception {
        MockProducer<byte[], byte[]> limited = takingAtMost(4000);
        RecordHeaders headers = new RecordHeaders();
        headers.add("eventId", bytes("not-a-uuid", 1));
        headers.add("junk", bytes("j", 3000));
        headers.add("aggregateType", bytes("Order", 1));
        // a tombstone with a huge key: no value to drop, which used to stop the consumer
        ConsumerRecord<byte[], byte[]> record = record(bytes("k", 5000), null, headers);

        new DeadLetterPublisher(limited, "g.dead-letter", "g").publish(record, "eventId header is not a UUID: 'not-a-uuid'");

        assertThat(limited.history()).singleElement().satisfies(dead -> {
            assertThat(dead.key()).isNull();
            assertThat(dead.value()).isNull();
            assertThat(text(dead, OutboxHeaders.DLQ_KEY_DROPPED_BYTES)).isEqualTo("5000");
            assertThat(dead.headers().lastHeader(OutboxHeaders.DLQ_VALUE_DROPPED_BYTES)).isNull();
            assertThat(text(dead, OutboxHeaders.DLQ_HEADERS_DROPPED)).isEqualTo("1");
            assertThat(Arrays.stream(dead.headers().toArray()).map(Header::key)).containsExactly("eventId", "aggregateType",
                    OutboxHeaders.DLQ_REASON, OutboxHeaders.DLQ_ORIGINAL_TOPIC, OutboxHeaders.DLQ_ORIGINAL_PARTITION,
                    OutboxHeaders.DLQ_ORIGINAL_OFFSET, OutboxHeaders.DLQ_CONSUMER_GROUP, OutboxHeaders.DLQ_KEY_DROPPED_BYTES,
                    OutboxHeaders.DLQ_HEADERS_DROPPED);
            assertThat(text(dead, OutboxHeaders.DLQ_REASON)).isEqualTo("eventId header is not a UUID: 'not-a-uuid'");
            assertThat(text(dead, OutboxHeaders.DLQ_ORIGINAL_OFFSET)).isEqualTo("41");
        });
    }

    @Test
    void deadLetterStillTooLargeWithoutItsValueIsSentWithoutItsKeyToo() throws Exception {
        MockProducer<byte[], byte[]> limited = takingAtMost(2000);
        ConsumerRecord<byte[], byte[]> record = record(bytes("k", 3000), bytes("v", 3000), new RecordHeaders());

        new DeadLetterPublisher(limited, "g.dead-letter", "g").publish(record, "unknown event type 'X'");

        assertThat(limited.history()).singleElement().satisfies(dead -> {
            assertThat(dead.key()).isNull();
            assertThat(dead.value()).isNull();
            assertThat(text(dead, OutboxHeaders.DLQ_VALUE_DROPPED_BYTES)).isEqualTo("3000");
            assertThat(text(dead, OutboxHeaders.DLQ_KEY_DROPPED_BYTES)).isEqualTo("3000");
            assertThat(dead.headers().lastHeader(OutboxHeaders.DLQ_HEADERS_DROPPED)).isNull();
        });
    }

    @Test
    void reasonIsCutAndItsControlCharactersEscapedSoThatItFitsAHeaderAndALogLine() throws Exception {
        MockProducer<byte[], byte[]> producer = takingAtMost(Integer.MAX_VALUE);
        String quoted = "line one\nWARN forged line\u202e" + "x".repeat(10_000);

        new DeadLetterPublisher(producer, "g.dead-letter", "g").publish(record(null, null, new RecordHeaders()),
                "rejected by handler: " + quoted);

        String reason = text(producer.history().get(0), OutboxHeaders.DLQ_REASON);
        assertThat(reason).startsWith("rejected by handler: line one\\nWARN forged line\\u202exxx")
                .endsWith("xxx... (8053 more characters)")
                .hasSize(DeadLetterPublisher.MAX_REASON_CHARS + "... (8053 more characters)".length())
                .doesNotContain("\n", "\u202e");
    }

    @Test
    void deadLetterTooLargeEvenWhenTrimmedStopsTheConsumer() {
        MockProducer<byte[], byte[]> tiny = takingAtMost(10);
        ConsumerRecord<byte[], byte[]> record = record(bytes("k", 10), bytes("v", 10), new RecordHeaders());

        assertThatThrownBy(() -> new DeadLetterPublisher(tiny, "g.dead-letter", "g").publish(record, "reason"))
                .isInstanceOf(ConsumerFailedException.class)
                .hasMessageStartingWith("Kafka did not acknowledge the dead letter for outbox.Order-2@41 (at most 10 bytes")
                .hasCauseInstanceOf(RecordTooLargeException.class);
        assertThat(tiny.history()).isEmpty();
    }

    /** Fails, as Kafka does, every record whose key, value and headers add up to more than {@code limit} bytes. */
    private static MockProducer<byte[], byte[]> takingAtMost(int limit) {
        return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r, Callback callback) {
                int size = (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                for (Header h : r.headers()) {
                    size += h.key().length() + (h.value() == null ? 0 : h.value().length);
                }
                if (size > limit) {
                    return CompletableFuture.failedFuture(new RecordTooLargeException("at most " + limit + " bytes, was " + size));
                }
                return super.send(r, callback);
            }
        };
    }

    private static ConsumerRecord<byte[], byte[]> record(byte[] key, byte[] value, RecordHeaders headers) {
        return new ConsumerRecord<>("outbox.Order", 2, 41, 0L, TimestampType.CREATE_TIME, 0, 0, key, value, headers,
                Optional.empty());
    }

    private static byte[] bytes(String s, int times) {
        return s.repeat(times).getBytes(StandardCharsets.UTF_8);
    }

    private static String text(ProducerRecord<byte[], byte[]> record, String header) {
        return new String(record.headers().lastHeader(header).value(), StandardCharsets.UTF_8);
    }
}
