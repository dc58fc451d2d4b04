package io.outboxrelay.relay.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.outboxrelay.relay.RelayStats;
import io.outboxrelay.relay.routing.OutboxRouter;
import io.outboxrelay.sql.OutboxHeaders;

/**
 * Where events leave the relay. Each batch Debezium hands over is routed and sent; the sink does not wait
 * for its acknowledgements before taking the next batch (Kafka's round trip and the producer's linger would
 * otherwise hold up every batch, measured: 10 ms of the 12 ms a batch took at half load). Records are marked
 * processed strictly in order, each only once its send was acknowledged: after every batch, and on every idle
 * poll of the engine ({@link #markAcknowledged()}, from the engine's thread through the offset commit
 * policy). At most {@code maxInFlight} records wait for acknowledgement; past that a batch waits for the
 * oldest. What a failed send means is {@link Failure}'s decision: the row's fault sends it to the dead-letter topic
 * (its topic refused at creation, or its record refused by Kafka) and the relay goes on in order; a producer that
 * cannot recover (or whose oldest send waits longer than {@code ackTimeout}) is replaced, and every record not yet
 * acknowledged is sent again in order by the new one, once: if that fails too, or on any other failure, the sink
 * throws and nothing after the failed send is marked, so the saved position never passes an unacknowledged event.
 *
 * <p>Graceful stop: {@link #drainAndClose()} waits for every sent record to be acknowledged and marks it,
 * and refuses later batches without sending them, so the position the engine saves on close covers exactly
 * what Kafka has.
 */
public final class KafkaEventSink implements EventSink {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventSink.class);

    private final ReplaceableProducer producer;
    private final OutboxRouter router;
    private final RelayStats stats;
    private final DeadLetters deadLetters;
    private final int maxInFlight;
    private final long ackTimeoutNanos;
    private final ScheduledExecutorService ackWatch = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "relay-ack-watch");
        t.setDaemon(true);
        return t;
    });
    /** A producer was replaced and nothing it sent is acknowledged yet: a second failure stops; guarded by batchLock. */
    private boolean replacedWithoutProgress;
    private final ReentrantLock batchLock = new ReentrantLock();
    /** Sent (or skipped) records not marked yet, in the order Debezium handed them over; guarded by batchLock. */
    private final Deque<InFlight> inFlight = new ArrayDeque<>();
    /** The engine's committer, from the last batch; guarded by batchLock. */
    private DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer;
    private volatile boolean closed;
    /** The first send Kafka refused for good, seen by the producer's I/O thread (any thread may read it). */
    private final AtomicReference<Exception> refused = new AtomicReference<>();

    /** A change handed over, the record sent for it (null: nothing to send) and by which producer, and when. */
    private record InFlight(RecordChangeEvent<SourceRecord> event, ProducerRecord<byte[], byte[]> sent, Future<RecordMetadata> ack,
                            long sentAt, int generation) {
    }

    /**
     * @param producers   makes the producer, and a new one when the last cannot go on
     * @param topics      creates topics on first use; null leaves that to the broker
     * @param maxInFlight most records sent but not yet marked processed before a batch waits for the oldest
     * @param ackTimeout  longest the oldest send may wait for its acknowledgement before the producer is replaced
     */
    public KafkaEventSink(Supplier<Producer<byte[], byte[]>> producers, OutboxRouter router, RelayStats stats,
                          TopicProvisioner topics, int maxInFlight, Duration ackTimeout) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
        }
        this.producer = new ReplaceableProducer(producers);
        this.router = router;
        this.stats = stats;
        this.maxInFlight = maxInFlight;
        this.ackTimeoutNanos = ackTimeout.toNanos();
        this.deadLetters = new DeadLetters(router, stats, topics, ackTimeoutNanos);
        long checkMs = Math.max(10, Math.min(1_000, ackTimeout.toMillis() / 4));
        ackWatch.scheduleWithFixedDelay(this::replaceIfStalled, checkMs, checkMs, TimeUnit.MILLISECONDS);
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
            this.committer = committer;
            mark(0); // a send Kafka refused since fails this batch before anything of it is sent
            for (RecordChangeEvent<SourceRecord> event : records) {
                inFlight.add(send(event, deadLetters.route(event.record())));
            }
            mark(inFlight.size() - maxInFlight);
            committer.markBatchFinished();
        }
        finally {
            batchLock.unlock();
        }
    }

    private InFlight send(RecordChangeEvent<SourceRecord> event, ProducerRecord<byte[], byte[]> record) {
        int sentBy = producer.generation();
        return new InFlight(event, record, record == null ? null : producer.current().send(record, refusalNoter(sentBy)),
                System.nanoTime(), sentBy);
    }

    /** Runs on the producer's I/O thread: records, never throws (an exception there is only logged). */
    private Callback refusalNoter(int sentBy) {
        return (metadata, e) -> {
            // a failure of a replaced producer's send is handled by sending again; the row's failures are dead letters
            if (e != null && sentBy == producer.generation() && Failure.of(e) == Failure.STOP) {
                refused.compareAndSet(null, e);
            }
        };
    }

    /**
     * What Kafka refused for good (a send past delivery.timeout.ms, say), as soon as the producer knows, or null; for a
     * watchdog on another thread: the engine's thread may be held elsewhere (saving a position to the same unreachable
     * Kafka) and learn of it only later, when it marks.
     */
    public String refusedSend() {
        Exception e = refused.get();
        if (e instanceof SendFailedException given) {
            return given.getMessage();
        }
        return e == null ? null : "Kafka did not acknowledge an outbox event (" + Failure.describe(e) + ")";
    }

    /**
     * Replaces the producer when the oldest unacknowledged send is older than the ack timeout and Debezium's thread is
     * not in the sink: that thread checks too when it marks, but it may be held elsewhere meanwhile (saving a position to
     * the same unresponsive Kafka), or it marks only when its offset commit policy is asked. A second replacement without
     * progress is a refusal: {@link #refusedSend()} reports it and the relay stops.
     */
    private void replaceIfStalled() {
        if (!batchLock.tryLock()) {
            return; // Debezium's thread is in the sink: it checks itself
        }
        try {
            if (closed || committer == null) {
                return;
            }
            for (InFlight f : inFlight) {
                if (f.ack() != null && !f.ack().isDone()) {
                    if (System.nanoTime() - f.sentAt() >= ackTimeoutNanos) {
                        replaceProducer(stallReason(f));
                    }
                    return;
                }
            }
        }
        catch (SendFailedException e) {
            refused.compareAndSet(null, e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catch (RuntimeException e) {
            LOG.warn("Checking for sends Kafka has not acknowledged failed: {}", e.toString());
        }
        finally {
            batchLock.unlock();
        }
    }

    private String stallReason(InFlight f) {
        return "Kafka has not acknowledged an event sent to " + f.sent().topic() + " "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - f.sentAt()) + " ms ago (kafka.ack.timeout.ms "
                + TimeUnit.NANOSECONDS.toMillis(ackTimeoutNanos) + ")";
    }

    /**
     * Marks processed, in order, the records at the head whose sends Kafka has acknowledged, without waiting.
     * Call on the engine's polling thread (the committer is not thread-safe); does nothing while a batch is in
     * hand or before the first one.
     *
     * @throws SendFailedException when Kafka refused a send: the relay must stop, nothing after it is marked
     */
    public void markAcknowledged() throws InterruptedException {
        if (!batchLock.tryLock()) {
            return;
        }
        try {
            if (batchLock.getHoldCount() == 1 && committer != null && !closed) {
                mark(0);
            }
        }
        finally {
            batchLock.unlock();
        }
    }

    /** Marks the acknowledged head of the in-flight records, waiting for the first {@code mustMark} of them. */
    private void mark(int mustMark) throws InterruptedException {
        InFlight lastSent = null;
        int marked = 0;
        try {
            for (InFlight head = inFlight.peek(); head != null; head = inFlight.peek()) {
                if (head.ack() != null) {
                    if (marked >= mustMark && !head.ack().isDone() && System.nanoTime() - head.sentAt() < ackTimeoutNanos) {
                        break;
                    }
                    if (!settle(head)) {
                        continue; // sent again by a new producer: wait for that
                    }
                    lastSent = head;
                }
                committer.markProcessed(head.event());
                inFlight.poll();
                marked++;
            }
        }
        finally {
            if (lastSent != null) {
                stats.recordLastEvent(lastEvent(lastSent.event().record(), lastSent.sent()));
            }
        }
    }

    /**
     * Waits for the head's acknowledgement, at most until it is {@code ackTimeout} old, and deals with a failure.
     *
     * @return true when the head is done with (acknowledged, or its dead letter is); false when it was sent again
     * @throws SendFailedException when the relay must stop
     */
    private boolean settle(InFlight head) throws InterruptedException {
        try {
            long wait = head.sentAt() + ackTimeoutNanos - System.nanoTime();
            head.ack().get(Math.max(0, wait), TimeUnit.NANOSECONDS);
            Acknowledgements.record(stats, router.deadLetterTopic(), head.event().record(), head.sent());
            if (head.generation() == producer.generation()) {
                replacedWithoutProgress = false;
            }
            return true;
        }
        catch (TimeoutException e) {
            replaceProducer(stallReason(head));
            return false;
        }
        catch (ExecutionException e) {
            Throwable cause = e.getCause();
            switch (Failure.of(cause)) {
                case ROW -> {
                    deadLetters.send(head.event().record(), head.sent(), cause, producer.current());
                    return true;
                }
                case PRODUCER -> {
                    replaceProducer("Kafka refused the producer's send (" + Failure.describe(cause) + ")");
                    return false;
                }
                default -> {
                    stats.recordError();
                    throw new SendFailedException("Kafka did not acknowledge an outbox event (" + Failure.describe(cause)
                            + "); the relay stops without saving a position past it", cause);
                }
            }
        }
    }

    /**
     * Closes the producer without waiting (its unfinished sends fail) and sends again, in order, with a new one every
     * record not acknowledged: a producer whose sequence numbers or epoch Kafka no longer accepts would otherwise
     * retry until delivery.timeout.ms, and Kafka's idempotence keeps one partition's records in order only within
     * one producer. Records already acknowledged are not sent again.
     */
    private void replaceProducer(String reason) throws InterruptedException {
        if (replacedWithoutProgress) {
            stats.recordError();
            throw new SendFailedException(reason + ", again after the relay replaced its producer; the relay stops without"
                    + " saving a position past it", null);
        }
        LOG.warn("{}: replacing the producer and sending again, in order, the {} events not acknowledged", reason,
                inFlight.stream().filter(f -> f.ack() != null && !acknowledged(f.ack())).count());
        producer.replace(reason);
        replacedWithoutProgress = true;
        stats.recordProducerReplaced();
        Deque<InFlight> again = new ArrayDeque<>(inFlight.size());
        for (InFlight f : inFlight) {
            again.add(f.ack() == null || acknowledged(f.ack()) ? f : send(f.event(), f.sent()));
        }
        inFlight.clear();
        inFlight.addAll(again);
    }

    private static boolean acknowledged(Future<RecordMetadata> ack) {
        if (!ack.isDone()) {
            return false;
        }
        try {
            ack.get();
            return true;
        }
        catch (ExecutionException | InterruptedException e) {
            return false; // done, so get() did not wait: it failed
        }
    }

    /** The event's id (from the record sent, table row or message alike) and its transaction's commit time. */
    static RelayStats.LastEvent lastEvent(SourceRecord change, ProducerRecord<byte[], byte[]> sent) {
        Header eventId = sent.headers().lastHeader(OutboxHeaders.EVENT_ID);
        return new RelayStats.LastEvent(eventId == null ? null : new String(eventId.value(), StandardCharsets.UTF_8),
                committedAt(change), Instant.now());
    }

    /** When the change's transaction committed in PostgreSQL (Debezium's source.ts_ms); null if unknown. */
    static Instant committedAt(SourceRecord change) {
        Struct envelope = (Struct) change.value();
        if (envelope.schema().field("source") != null) {
            Struct source = envelope.getStruct("source");
            if (source != null && source.schema().field("ts_ms") != null && source.get("ts_ms") != null) {
                return Instant.ofEpochMilli(source.getInt64("ts_ms"));
            }
        }
        return null;
    }

    /**
     * Waits until the batch in hand (if any) is sent and every sent record acknowledged and marked, then
     * refuses further batches. Call before closing the engine. A send Kafka refuses ends the wait: nothing from
     * it on is marked, and the next start sends it again.
     */
    public void drainAndClose() {
        batchLock.lock();
        try {
            closed = true;
            if (committer != null) {
                mark(inFlight.size());
            }
        }
        catch (SendFailedException e) {
            LOG.warn("Stopping with {} sent events not acknowledged; the next start sends them again: {}", inFlight.size(),
                    e.getMessage());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Interrupted while waiting for Kafka's acknowledgements; the next start sends {} events again",
                    inFlight.size());
        }
        finally {
            batchLock.unlock();
        }
    }

    /**
     * Closes the producer, waiting at most {@code timeout} for what it has not sent yet; it is not replaced after this.
     * Idempotent.
     */
    public void closeProducer(Duration timeout) {
        ackWatch.shutdownNow();
        producer.close(timeout);
    }

    @Override
    public boolean supportsTombstoneEvents() {
        return false;
    }
}
