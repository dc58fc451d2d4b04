package io.outboxrelay.consumers.runtime;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.sql.OutboxHeaders;

/**
 * Sends a record the handler cannot use to the dead-letter topic: the original key, value and
 * headers unchanged, plus why and where it came from, so that it can be inspected and replayed.
 * {@link #publish} returns only once Kafka acknowledged the send; the caller moves the offset past
 * the record only then.
 *
 * <p>A dead letter too large for the dead-letter topic (its source topic allows larger messages, or the
 * producer's {@code max.request.size} is smaller) is sent again trimmed ({@link Trim}): first without
 * its value, then also without its key and its large headers, saying what was dropped in the
 * {@code dlq*Dropped*} headers. The reason and where to find the original are always kept, and the
 * consumer is not stopped by a record it would never get past. For the same reason the reason itself
 * is bounded ({@value #MAX_REASON_CHARS} characters, control characters escaped): it may quote a
 * hostile header or payload, and it is logged.
 */
final class DeadLetterPublisher {

    /** Ample for the runtime's own reasons; only a quoted payload or error message is ever cut. */
    static final int MAX_REASON_CHARS = 2000;
    /** In a fully trimmed dead letter, an original header (name and value) larger than this is left out... */
    static final int KEPT_HEADER_BYTES = 1024;
    /** ...and so are those after the kept ones reach this total: a record may carry any number of headers. */
    static final int KEPT_HEADERS_TOTAL_BYTES = 16 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterPublisher.class);

    /** How much of the original a dead letter leaves out, tried in this order while it is too large. */
    private enum Trim {
        NOTHING("whole"),
        VALUE("without its value"),
        VALUE_KEY_AND_LARGE_HEADERS("without its value, its key and its headers over " + KEPT_HEADER_BYTES + " bytes");

        private final String description;

        Trim(String description) {
            this.description = description;
        }
    }

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final String group;

    DeadLetterPublisher(Producer<byte[], byte[]> producer, String topic, String group) {
        this.producer = producer;
        this.topic = topic;
        this.group = group;
    }

    void publish(ConsumerRecord<byte[], byte[]> record, String reason) throws InterruptedException {
        String why = PrintableText.of(reason, MAX_REASON_CHARS);
        LOG.warn("Record {} sent to dead-letter topic {}: {}", where(record), topic, why);
        RecordTooLargeException tooLarge = null;
        for (Trim trim : Trim.values()) {
            if (trim == Trim.VALUE && record.value() == null) {
                continue; // the same dead letter as the whole one
            }
            if (tooLarge != null) {
                LOG.warn("Dead letter for {} is too large for {} ({}); sending it {}", where(record), topic,
                        tooLarge.getMessage(), trim.description);
            }
            try {
                producer.send(deadLetter(record, why, trim)).get();
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RecordTooLargeException large)) {
                    throw notAcknowledged(record, e.getCause());
                }
                tooLarge = large;
            }
        }
        throw notAcknowledged(record, tooLarge);
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> record, String reason, Trim trim) {
        RecordHeaders headers = new RecordHeaders();
        int droppedHeaders = 0;
        int keptBytes = 0;
        for (Header h : record.headers()) {
            int bytes = utf8(h.key()).length + (h.value() == null ? 0 : h.value().length);
            if (trim == Trim.VALUE_KEY_AND_LARGE_HEADERS
                    && (bytes > KEPT_HEADER_BYTES || keptBytes + bytes > KEPT_HEADERS_TOTAL_BYTES)) {
                droppedHeaders++;
                continue;
            }
            keptBytes += bytes;
            headers.add(h.key(), h.value());
        }
        headers.add(OutboxHeaders.DLQ_REASON, utf8(reason));
        headers.add(OutboxHeaders.DLQ_ORIGINAL_TOPIC, utf8(record.topic()));
        headers.add(OutboxHeaders.DLQ_ORIGINAL_PARTITION, utf8(Integer.toString(record.partition())));
        headers.add(OutboxHeaders.DLQ_ORIGINAL_OFFSET, utf8(Long.toString(record.offset())));
        headers.add(OutboxHeaders.DLQ_CONSUMER_GROUP, utf8(group));
        byte[] key = record.key();
        byte[] value = record.value();
        if (trim != Trim.NOTHING && value != null) {
            headers.add(OutboxHeaders.DLQ_VALUE_DROPPED_BYTES, utf8(Integer.toString(value.length)));
            value = null;
        }
        if (trim == Trim.VALUE_KEY_AND_LARGE_HEADERS && key != null) {
            headers.add(OutboxHeaders.DLQ_KEY_DROPPED_BYTES, utf8(Integer.toString(key.length)));
            key = null;
        }
        if (droppedHeaders > 0) {
            headers.add(OutboxHeaders.DLQ_HEADERS_DROPPED, utf8(Integer.toString(droppedHeaders)));
        }
        return new ProducerRecord<>(topic, null, null, key, value, headers);
    }

    private ConsumerFailedException notAcknowledged(ConsumerRecord<byte[], byte[]> record, Throwable cause) {
        return new ConsumerFailedException("Kafka did not acknowledge the dead letter for " + where(record) + " ("
                + cause.getMessage() + "); the consumer stops without committing past it", cause);
    }

    private static String where(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
