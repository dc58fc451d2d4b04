package io.outboxrelay.relay.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.outboxrelay.relay.RelayStats;
import io.outboxrelay.relay.routing.EventHeaders;
import io.outboxrelay.relay.routing.OutboxRouter;

/**
 * Where events leave the relay. For each batch Debezium hands over: route and send every record,
 * then wait for Kafka's acknowledgements in order, marking each record processed only once its
 * send was acknowledged, then finish the batch (which may save the position). A send that fails
 * throws: nothing after it is marked, so the saved position never passes an unacknowledged event.
 *
 * <p>Graceful stop: {@link #drainAndClose()} waits for the batch in hand to be acknowledged and
 * marked, and refuses later batches without sending them, so the position the engine saves on
 * close covers exactly what Kafka has.
 */
public final class KafkaEventSink implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventSink.class);

    private final Producer<byte[], byte[]> producer;
    private final OutboxRouter router;
    private final RelayStats stats;
    private final TopicProvisioner topics;
    private final ReentrantLock batchLock = new ReentrantLock();
    private volatile boolean closed;

    /** @param topics creates topics on first use; null leaves that to the broker */
    public KafkaEventSink(Producer<byte[], byte[]> producer, OutboxRouter router, RelayStats stats, TopicProvisioner topics) {
        this.producer = producer;
        this.router = router;
        this.stats = stats;
        this.topics = topics;
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        batchLock.lockInterruptibly();
        try {
            if (closed) {
                // Neither sent nor marked: the next start reads these again. Park until the engine's
                // close interrupts this thread, so that the engine sees a cancelled poll, not a failure.
                new java.util.concurrent.CountDownLatch(1).await();
            }
            List<Future<RecordMetadata>> acks = new ArrayList<>(records.size());
            ProducerRecord<byte[], byte[]> lastRecord = null;
            for (RecordChangeEvent<SourceRecord> event : records) {
                ProducerRecord<byte[], byte[]> record = router.route(event.record());
                if (record != null && topics != null) {
                    topics.ensure(record.topic());
                }
                if (record != null) {
                    lastRecord = record;
                }
                acks.add(record == null ? null : producer.send(record));
            }
            SourceRecord lastSent = null;
            for (int i = 0; i < records.size(); i++) {
                Future<RecordMetadata> ack = acks.get(i);
                if (ack != null) {
                    lastSent = records.get(i).record();
                    awaitAck(ack, lastSent);
                }
                committer.markProcessed(records.get(i));
            }
            if (lastSent != null) {
                stats.recordLastEvent(lastEvent(lastSent, lastRecord));
            }
            committer.markBatchFinished();
        }
        finally {
            batchLock.unlock();
        }
    }

    private void awaitAck(Future<RecordMetadata> ack, SourceRecord change) throws InterruptedException {
        try {
            RecordMetadata metadata = ack.get();
            stats.recordRelayed(metadata.topic().equals(router.deadLetterTopic()));
        }
        catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RecordTooLargeException) {
                sendDeadLetter(change, "record too large for Kafka: " + cause.getMessage());
                return;
            }
            stats.recordError();
            throw new SendFailedException("Kafka did not acknowledge an outbox event (" + cause.getClass().getSimpleName()
                    + ": " + cause.getMessage() + "); the relay stops without saving a position past it", cause);
        }
    }

    private void sendDeadLetter(SourceRecord change, String reason) throws InterruptedException {
        LOG.warn("Outbox row sent to dead-letter topic {}: {}", router.deadLetterTopic(), reason);
        try {
            if (topics != null) {
                topics.ensure(router.deadLetterTopic());
            }
            producer.send(router.deadLetter(change, reason)).get();
            stats.recordRelayed(true);
        }
        catch (ExecutionException e) {
            stats.recordError();
            throw new SendFailedException("Kafka did not acknowledge a dead-letter record (" + e.getCause().getMessage()
                    + "); the relay stops without saving a position past it", e.getCause());
        }
    }

    /** The event's id (from the record sent, table row or message alike) and its transaction's commit time. */
    private static RelayStats.LastEvent lastEvent(SourceRecord change, ProducerRecord<byte[], byte[]> sent) {
        Struct envelope = (Struct) change.value();
        Header eventId = sent.headers().lastHeader(EventHeaders.EVENT_ID);
        Instant committedAt = null;
        if (envelope.schema().field("source") != null) {
            Struct source = envelope.getStruct("source");
            if (source != null && source.schema().field("ts_ms") != null && source.get("ts_ms") != null) {
                committedAt = Instant.ofEpochMilli(source.getInt64("ts_ms"));
            }
        }
        return new RelayStats.LastEvent(eventId == null ? null : new String(eventId.value(), StandardCharsets.UTF_8),
                committedAt, Instant.now());
    }

    /**
     * Waits until the batch being sent (if any) is acknowledged and marked, then refuses further
     * batches. Call before closing the engine.
     */
    public void drainAndClose() {
        batchLock.lock();
        try {
            closed = true;
        }
        finally {
            batchLock.unlock();
        }
    }

    @Override
    public boolean supportsTombstoneEvents() {
        return false;
    }
}
