package io.outboxrelay.relay.kafka;

import java.time.Duration;
import java.util.function.Supplier;

import org.apache.kafka.clients.producer.Producer;

/**
 * The producer the {@link KafkaEventSink} sends with, and a new one in its place when it cannot go on. Each producer is
 * a generation, counted, so that a callback of a replaced one (aborted by its close) is known for what it is. One
 * closed for good is never replaced: the new producer's thread would linger.
 */
final class ReplaceableProducer {

    private final Supplier<Producer<byte[], byte[]>> producers;
    /** Guards replacing and closing the producer. */
    private final Object lock = new Object();
    /** The producer sends go to; replaced under lock (and the sink's batch lock). */
    private volatile Producer<byte[], byte[]> producer;
    private boolean closed; // guarded by lock
    private volatile int generation;

    /** @param producers makes the producer, and a new one when the last cannot go on */
    ReplaceableProducer(Supplier<Producer<byte[], byte[]>> producers) {
        this.producers = producers;
        this.producer = producers.get();
    }

    /** The producer to send with now. */
    Producer<byte[], byte[]> current() {
        return producer;
    }

    /** The current producer's generation: 0 for the first, one more for each replacement. */
    int generation() {
        return generation;
    }

    /**
     * Closes the producer without waiting (its unfinished sends fail) and makes a new one, of the next generation.
     *
     * @throws SendFailedException when the producer was closed for good: the relay stops
     */
    void replace(String reason) {
        synchronized (lock) {
            if (closed) {
                throw new SendFailedException(reason + " while the relay stops", null);
            }
            generation++;
            producer.close(Duration.ZERO);
            producer = producers.get();
        }
    }

    /** Closes the producer for good, waiting at most {@code timeout} for what it has not sent yet. Idempotent. */
    void close(Duration timeout) {
        synchronized (lock) {
            if (!closed) {
                closed = true;
                producer.close(timeout);
            }
        }
    }
}
