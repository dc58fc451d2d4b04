package io.outboxrelay.relay.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.outboxrelay.relay.RelayStats;
import io.outboxrelay.relay.error.Causes;
import io.outboxrelay.relay.routing.OutboxRouter;

/**
 * The exactly-once sink ({@code delivery.guarantee=exactly-once}): each batch Debezium hands over is one Kafka
 * transaction holding the batch's events, its dead letters and the relay's position after its last record (a record of
 * the offset topic, as the engine would write it: {@link PositionRecords}). Only once the transaction is committed are
 * the batch's records marked processed, so the engine confirms to the replication slot only positions Kafka holds; the
 * engine's own offset writes stay in memory ({@link RememberingOffsetStore}). A restart reads the position with
 * {@code read_committed} and resumes right after the last committed batch: a {@code read_committed} reader sees every
 * event once, and never part of a batch.
 *
 * <p>The producer's {@code transactional.id} is the relay's name: a relay that starts with it (a standby taking over, a
 * replacement) fences this one, whose next transaction fails with {@link ProducerFencedException}; the relay then stops
 * without sending again. A row Kafka refuses aborts the transaction and the batch is sent again with that row's dead
 * letter instead; any other failure aborts it and sends the batch once more; a second failure stops the relay, which
 * resumes from the last committed position at its next start.
 */
public final class TransactionalEventSink implements EventSink {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionalEventSink.class);
    /** Transactions that fail for another reason than a row before the relay stops. */
    private static final int ATTEMPTS = 2;

    private final Producer<byte[], byte[]> producer;
    private final String transactionalId;
    private final OutboxRouter router;
    private final RelayStats stats;
    private final DeadLetters deadLetters;
    private final PositionRecords positions;
    private final ReentrantLock batchLock = new ReentrantLock();
    private volatile boolean closed;
    private final AtomicBoolean producerClosed = new AtomicBoolean();

    /**
     * Takes the transactional id over from any earlier producer with it (aborting what that one left open).
     *
     * @param producer a transactional producer, not yet initialized
     * @param topics   creates topics on first use; null leaves that to the broker
     * @throws SendFailedException with a one-line reason when Kafka refuses the transactional id or cannot be reached
     */
    public TransactionalEventSink(Producer<byte[], byte[]> producer, String transactionalId, String offsetTopic,
                                  OutboxRouter router, RelayStats stats, TopicProvisioner topics, Duration ackTimeout) {
        this.producer = producer;
        this.transactionalId = transactionalId;
        this.router = router;
        this.stats = stats;
        this.deadLetters = new DeadLetters(router, stats, topics, ackTimeout.toNanos());
        this.positions = new PositionRecords(offsetTopic, transactionalId);
        try {
            producer.initTransactions();
        }
        catch (KafkaException e) {
            producer.close(Duration.ZERO);
            throw new SendFailedException(whyNoTransactions(e), e);
        }
    }

    private String whyNoTransactions(KafkaException e) {
        String what = "delivery.guarantee=exactly-once: Kafka did not let the relay start transactions with transactional.id '"
                + transactionalId + "' (" + Failure.describe(e) + "); ";
        if (e instanceof AuthorizationException) {
            return what + "grant the relay's principal Write and Describe on TransactionalId '" + transactionalId
                    + "' (kafka-acls --add --operation Write --operation Describe --transactional-id " + transactionalId
                    + "), or set delivery.guarantee=at-least-once";
        }
        if (e instanceof TimeoutException) {
            return what + "the transaction coordinator did not answer within kafka.producer.max.block.ms; check that the"
                    + " brokers can host the transaction state log (transaction.state.log.replication.factor and"
                    + " transaction.state.log.min.isr no more than the brokers up)";
        }
        if (e instanceof UnsupportedVersionException) {
            return what + "the brokers do not support transactions; use delivery.guarantee=at-least-once";
        }
        return what + "check the brokers' transaction settings, or set delivery.guarantee=at-least-once";
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        batchLock.lockInterruptibly();
        try {
            if (closed) {
                EventSink.parkAfterClose();
            }
            List<ProducerRecord<byte[], byte[]>> routed = new ArrayList<>(records.size());
            for (RecordChangeEvent<SourceRecord> event : records) {
                routed.add(deadLetters.route(event.record()));
            }
            commit(records, routed);
            for (RecordChangeEvent<SourceRecord> event : records) {
                committer.markProcessed(event);
            }
            committer.markBatchFinished();
        }
        finally {
            batchLock.unlock();
        }
    }

    /** Sends the batch in one transaction until it commits; records what Kafka then holds. */
    private void commit(List<RecordChangeEvent<SourceRecord>> records, List<ProducerRecord<byte[], byte[]>> routed)
            throws InterruptedException {
        int[] refusals = new int[routed.size()];
        int failures = 0;
        while (true) {
            List<Future<RecordMetadata>> acks = new ArrayList<>(routed.size());
            try {
                producer.beginTransaction();
                for (ProducerRecord<byte[], byte[]> record : routed) {
                    acks.add(record == null ? null : producer.send(record));
                }
                for (ProducerRecord<byte[], byte[]> position : positionsAfter(records)) {
                    producer.send(position);
                }
                producer.commitTransaction();
                committed(records, routed);
                return;
            }
            catch (KafkaException e) {
                if (Causes.hasCause(e, ProducerFencedException.class)) {
                    throw fenced(e);
                }
                if (e instanceof TimeoutException) {
                    // Kafka cannot be reached (max.block.ms): the transaction cannot be aborted either until it answers
                    stats.recordError();
                    throw new SendFailedException("Kafka did not answer within kafka.producer.max.block.ms while committing a"
                            + " transaction of " + routed.size() + " records (" + Failure.describe(e) + "); the relay stops, and"
                            + " resumes from its last committed position at the next start", e);
                }
                boolean rowRefused = deadLettersInstead(records, routed, acks, refusals);
                abort(e);
                if (!rowRefused && ++failures >= ATTEMPTS) {
                    stats.recordError();
                    throw new SendFailedException("Kafka did not commit a transaction of " + routed.size() + " records, "
                            + ATTEMPTS + " times (" + Failure.describe(Causes.root(e)) + "); the relay stops, and resumes"
                            + " from its last committed position at the next start", e);
                }
                LOG.warn("Kafka did not commit a transaction of {} records ({}): aborted, sending the batch again",
                        routed.size(), Failure.describe(Causes.root(e)));
            }
        }
    }

    /**
     * Puts in place of each record Kafka refused for the row's fault its dead letter ({@link DeadLetters#instead});
     * a row whose shrunk dead letter was refused too stops the relay.
     *
     * @return whether any record was replaced
     */
    private boolean deadLettersInstead(List<RecordChangeEvent<SourceRecord>> records, List<ProducerRecord<byte[], byte[]>> routed,
                                       List<Future<RecordMetadata>> acks, int[] refusals) throws InterruptedException {
        boolean replaced = false;
        for (int i = 0; i < acks.size(); i++) {
            Throwable refused = refusal(acks.get(i));
            if (refused != null && Failure.of(refused) == Failure.ROW) {
                if (++refusals[i] > 2) {
                    stats.recordError();
                    throw new SendFailedException("Kafka refused a dead-letter record (" + Failure.describe(refused)
                            + "); the relay stops, and resumes from its last committed position at the next start", refused);
                }
                routed.set(i, deadLetters.instead(records.get(i).record(), routed.get(i), refused));
                replaced = true;
            }
        }
        return replaced;
    }

    /** Why the send failed, once it is done; null if it succeeded, is not done or was not made. */
    private static Throwable refusal(Future<RecordMetadata> ack) throws InterruptedException {
        if (ack == null || !ack.isDone()) {
            return null;
        }
        try {
            ack.get();
            return null;
        }
        catch (ExecutionException e) {
            return e.getCause();
        }
    }

    private void abort(KafkaException cause) {
        try {
            producer.abortTransaction();
        }
        catch (KafkaException | IllegalStateException e) {
            if (Causes.hasCause(e, ProducerFencedException.class)) {
                throw fenced(e); // the commit failed on an old epoch (InvalidProducerEpochException): a newer relay
            }
            stats.recordError();
            throw new SendFailedException("Kafka did not commit a transaction (" + Failure.describe(Causes.root(cause))
                    + ") nor abort it (" + Failure.describe(Causes.root(e)) + "); the relay stops, and resumes from its last"
                    + " committed position at the next start", cause);
        }
    }

    private SendFailedException fenced(Throwable e) {
        stats.recordError();
        return new SendFailedException("another relay took over transactional.id '" + transactionalId
                + "' (a standby, or a second relay with this relay.name): this one stops without sending again", e);
    }

    /** One position record per source partition in the batch (PostgreSQL has one): after its last record. */
    private List<ProducerRecord<byte[], byte[]>> positionsAfter(List<RecordChangeEvent<SourceRecord>> records) {
        Map<Map<String, ?>, SourceRecord> last = new LinkedHashMap<>();
        for (RecordChangeEvent<SourceRecord> event : records) {
            last.put(event.record().sourcePartition(), event.record());
        }
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(last.size());
        last.values().forEach(change -> out.add(positions.after(change)));
        return out;
    }

    private void committed(List<RecordChangeEvent<SourceRecord>> records, List<ProducerRecord<byte[], byte[]>> routed) {
        int last = -1;
        for (int i = 0; i < routed.size(); i++) {
            ProducerRecord<byte[], byte[]> record = routed.get(i);
            if (record != null) {
                Acknowledgements.record(stats, router.deadLetterTopic(), records.get(i).record(), record);
                last = i;
            }
        }
        if (last >= 0) {
            stats.recordLastEvent(KafkaEventSink.lastEvent(records.get(last).record(), routed.get(last)));
        }
        stats.recordTransaction(Instant.now());
    }

    @Override
    public void markAcknowledged() {
        // every batch is marked once its transaction committed, before handleBatch returns
    }

    @Override
    public String refusedSend() {
        return null; // a refusal fails the batch in hand, on the engine's thread
    }

    @Override
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
    public void closeProducer(Duration timeout) {
        if (producerClosed.compareAndSet(false, true)) {
            producer.close(timeout); // a transaction in hand fails; Kafka aborts it when the next relay starts
        }
    }

    @Override
    public boolean supportsTombstoneEvents() {
        return false;
    }
}
