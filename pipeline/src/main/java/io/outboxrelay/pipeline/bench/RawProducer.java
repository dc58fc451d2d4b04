package io.outboxrelay.pipeline.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.ProducerSettings;
import io.outboxrelay.relay.routing.EventHeaders;

/**
 * Kafka's speed alone: a producer with exactly the relay's settings (acks=all, idempotent, same
 * linger and batch size) sending copies of records the relay wrote (same key, value and headers),
 * all at once, then one flush. Nothing waits per batch: the upper bound of what the relay could
 * hand to this broker.
 */
final class RawProducer implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    RawProducer(RelayConfig config, String topic) {
        Map<String, Object> props = new HashMap<>(ProducerSettings.from(config));
        // a client id of its own: the same one twice in a JVM clashes in JMX
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.get(RelayConfig.RELAY_NAME) + "-raw-producer");
        this.producer = new KafkaProducer<>(props);
        this.topic = topic;
    }

    /** Sends {@code count} copies of {@code samples} (round robin) and waits for every ack; returns seconds. */
    double sendAll(List<ConsumerRecord<byte[], byte[]>> samples, int count) throws InterruptedException {
        if (samples.isEmpty()) {
            throw new IllegalStateException("no relayed records to copy");
        }
        AtomicReference<Exception> failure = new AtomicReference<>();
        Callback callback = (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        };
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            producer.send(copy(samples.get(i % samples.size()), null), callback);
        }
        producer.flush();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failure.get() != null) {
            throw new IllegalStateException("raw producer send failed: " + failure.get(), failure.get());
        }
        return seconds;
    }

    /**
     * Sends one copy of {@code sample} with its own event id, without waiting.
     *
     * @return {@link System#nanoTime()} just before the send: from then on the record is Kafka's to deliver
     */
    long sendOne(ConsumerRecord<byte[], byte[]> sample, UUID eventId) {
        long now = System.nanoTime();
        producer.send(copy(sample, eventId));
        return now;
    }

    private ProducerRecord<byte[], byte[]> copy(ConsumerRecord<byte[], byte[]> sample, UUID eventId) {
        RecordHeaders headers = new RecordHeaders();
        for (Header h : sample.headers()) {
            boolean replace = eventId != null && h.key().equals(EventHeaders.EVENT_ID);
            headers.add(h.key(), replace ? eventId.toString().getBytes(StandardCharsets.UTF_8) : h.value());
        }
        return new ProducerRecord<>(topic, null, null, sample.key(), sample.value(), headers);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
