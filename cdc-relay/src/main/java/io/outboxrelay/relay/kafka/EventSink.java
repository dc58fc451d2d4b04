package io.outboxrelay.relay.kafka;

import java.time.Duration;

import org.apache.kafka.connect.source.SourceRecord;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;

/**
 * Where events leave the relay, as the engine sees it: batches in, records marked processed only once Kafka has them. Two
 * kinds, by {@code delivery.guarantee}: {@link KafkaEventSink} (at-least-once: sends pipelined, the position saved
 * after the acknowledgements) and {@link TransactionalEventSink} (exactly-once: each batch's events and the position
 * after it in one Kafka transaction).
 */
public interface EventSink extends DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

    /**
     * Marks processed what Kafka has acknowledged since the last batch, without waiting; on the engine's thread.
     *
     * @throws SendFailedException when Kafka refused a send: the relay must stop
     */
    void markAcknowledged() throws InterruptedException;

    /** What Kafka refused for good, as soon as the sink knows, or null; for a watchdog on another thread. */
    String refusedSend();

    /** Waits until everything sent is acknowledged and marked, then refuses further batches. */
    void drainAndClose();

    /** Closes the producer, waiting at most {@code timeout} for what it has not sent yet. Idempotent. */
    void closeProducer(Duration timeout);

    /**
     * For a batch handed over after {@link #drainAndClose()}: neither sent nor marked (the next start reads it again).
     * Parks until the engine's close interrupts this thread, so that the engine sees a cancelled poll, not a failure.
     */
    static void parkAfterClose() throws InterruptedException {
        new java.util.concurrent.CountDownLatch(1).await();
    }
}
