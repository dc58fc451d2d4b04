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

/**
 * Sends a record the handler cannot use to the dead-letter topic: the original key, value and
 * headers unchanged, plus why and where it came from, so that it can be inspected and replayed.
 * {@link #publish} returns only once Kafka acknowledged the send; the caller moves the offset past
 * the record only then.
 *
 * <p>A record too large for the dead-letter topic (its source topic allows larger messages, or the
 * producer's {@code max.request.size} is smaller) is sent again without its value, with the number of
 * bytes dropped in {@value EventHeaders#DLQ_VALUE_DROPPED_BYTES}: the reason and where to find the
 * original are kept, and the consumer is not stopped by a record it would never get past.
 */
final class DeadLetterPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterPublisher.class);

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final String group;

    DeadLetterPublisher(Producer<byte[], byte[]> producer, String topic, String group) {
        this.producer = producer;
        this.topic = topic;
        this.group = group;
    }

    void publish(ConsumerRecord<byte[], byte[]> record, String reason) throws InterruptedException {
        LOG.warn("Record {}-{}@{} sent to dead-letter topic {}: {}", record.topic(), record.partition(), record.offset(),
                topic, reason);
        try {
            try {
                producer.send(deadLetter(record, reason)).get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RecordTooLargeException) || record.value() == null) {
                    throw e;
                }
                LOG.warn("Dead letter for {}-{}@{} is too large for {} ({}); sending it without its value of {} bytes",
                        record.topic(), record.partition(), record.offset(), topic, e.getCause().getMessage(),
                        record.value().length);
                producer.send(withoutValue(deadLetter(record, reason), record.value().length)).get();
            }
        } catch (ExecutionException e) {
            throw new ConsumerFailedException("Kafka did not acknowledge the dead letter for " + record.topic() + "-"
                    + record.partition() + "@" + record.offset() + " (" + e.getCause().getMessage()
                    + "); the consumer stops without committing past it", e.getCause());
        }
    }

    ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> record, String reason) {
        RecordHeaders headers = new RecordHeaders();
        for (Header h : record.headers()) {
            headers.add(h.key(), h.value());
        }
        headers.add(EventHeaders.DLQ_REASON, utf8(reason));
        headers.add(EventHeaders.DLQ_ORIGINAL_TOPIC, utf8(record.topic()));
        headers.add(EventHeaders.DLQ_ORIGINAL_PARTITION, utf8(Integer.toString(record.partition())));
        headers.add(EventHeaders.DLQ_ORIGINAL_OFFSET, utf8(Long.toString(record.offset())));
        headers.add(EventHeaders.DLQ_CONSUMER_GROUP, utf8(group));
        return new ProducerRecord<>(topic, null, null, record.key(), record.value(), headers);
    }

    private static ProducerRecord<byte[], byte[]> withoutValue(ProducerRecord<byte[], byte[]> deadLetter, int valueBytes) {
        RecordHeaders headers = new RecordHeaders(deadLetter.headers().toArray());
        headers.add(EventHeaders.DLQ_VALUE_DROPPED_BYTES, utf8(Integer.toString(valueBytes)));
        return new ProducerRecord<>(deadLetter.topic(), null, null, deadLetter.key(), null, headers);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
