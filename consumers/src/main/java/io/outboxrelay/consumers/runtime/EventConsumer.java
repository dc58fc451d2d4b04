package io.outboxrelay.consumers.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Where events enter a consumer: one thread polls Kafka, hands each poll's records to a
 * {@link RecordProcessor} (which applies them in one database transaction or dead-letters them, and
 * returns only once that is durable), and after each poll commits the offsets of the records done with. Offsets are never committed before the database commit (auto-commit is off),
 * so a crash between the two makes Kafka deliver those records again, and the processed-event
 * check turns them into no-ops.
 *
 * <p>Lifecycle: {@link #start()} checks the processed-event table and starts the thread;
 * {@link #close()} lets the record in hand finish, commits, and leaves the group; {@link #stopped()}
 * completes when the thread ends, exceptionally with a {@link ConsumerFailedException} if the
 * consumer had to stop on its own.
 */
public final class EventConsumer implements AutoCloseable {

    /** Ordered: a consumer only moves forward through these. */
    public enum State { CREATED, RUNNING, STOPPING, STOPPED, FAILED }

    private static final Logger LOG = LoggerFactory.getLogger(EventConsumer.class);

    private final ConsumerSettings settings;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final IdempotentTransaction transaction;
    private final RecordProcessor processor;
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    /** Next offset to commit per partition: only records already done with. Loop thread only. */
    private final Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
    /** What this member last committed per partition, to move past transaction markers (see {@link #pastMarkers}). */
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private final ConsumerLag lag;
    /** Null with the test clients (MockConsumer): nothing to ask end offsets of. */
    private final boolean watchEndOffsets;
    private volatile EndOffsetWatch endOffsets;
    private volatile Thread thread;

    public EventConsumer(ConsumerSettings settings, DataSource dataSource, EventHandler handler, MeterRegistry registry) {
        this(settings, dataSource, handler, registry, new KafkaConsumer<>(settings.consumerProperties()), null, true);
    }

    /** With the given Kafka clients (MockConsumer, MockProducer in tests); a null producer is created from the settings. */
    EventConsumer(ConsumerSettings settings, DataSource dataSource, EventHandler handler, MeterRegistry registry,
                  Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer) {
        this(settings, dataSource, handler, registry, consumer, producer, false);
    }

    private EventConsumer(ConsumerSettings settings, DataSource dataSource, EventHandler handler, MeterRegistry registry,
                          Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer, boolean watchEndOffsets) {
        this.settings = settings;
        this.watchEndOffsets = watchEndOffsets;
        this.consumer = consumer;
        this.lag = new ConsumerLag(registry, settings.groupId());
        Producer<byte[], byte[]> p = producer;
        try {
            if (p == null) {
                p = new KafkaProducer<>(settings.producerProperties());
            }
            this.producer = p;
            this.transaction = new IdempotentTransaction(dataSource, settings.schema());
            this.processor = new RecordProcessor(handler, transaction,
                    new DeadLetterPublisher(p, settings.deadLetterTopic(), settings.groupId()),
                    new ConsumerMetrics(registry, settings.groupId()), settings, stopSignal);
        } catch (RuntimeException e) {
            consumer.close();
            if (p != null) {
                p.close();
            }
            throw e;
        }
        LOG.info("Consumer {} handles {}, ignores {}", settings, handler.handledEventTypes(), handler.ignoredEventTypes());
    }

    /**
     * Checks that the processed-event table exists, then consumes on a new thread.
     *
     * @throws ConsumerFailedException if the table is missing or the database unreachable
     */
    public EventConsumer start() {
        moveTo(State.CREATED, State.RUNNING);
        try {
            transaction.checkTable();
        } catch (RuntimeException e) {
            state.set(State.FAILED);
            closeClients();
            stopped.completeExceptionally(e);
            throw e;
        }
        if (watchEndOffsets) {
            endOffsets = new EndOffsetWatch(settings.consumerProperties(), settings.groupId(), lag);
        }
        Thread t = new Thread(this::consumeLoop, "consumer-" + settings.groupId());
        thread = t;
        t.start();
        return this;
    }

    public State state() {
        return state.get();
    }

    /** The consumer group: the name operators know this consumer by. */
    public String group() {
        return settings.groupId();
    }

    /**
     * The partitions the group assigned to this consumer, with how far behind each is (also the gauges
     * {@link ConsumerMetrics#LAG_EVENTS} and {@link ConsumerMetrics#LAG_SECONDS}); updated after each
     * poll's batch, empty once stopped.
     */
    public List<PartitionLag> lag() {
        return lag.snapshot();
    }

    /** Completes when the consumer thread has ended: normally after {@link #close()}, exceptionally on failure. */
    public CompletableFuture<Void> stopped() {
        return stopped.copy();
    }

    /**
     * Stops gracefully: the record being processed is finished (a record waiting to be retried is
     * left for the next start), the offsets of finished records are committed, the consumer leaves
     * its group. Waits for that up to the close timeout. Idempotent.
     */
    @Override
    public void close() {
        if (state.compareAndSet(State.CREATED, State.STOPPED)) {
            closeClients();
            stopped.complete(null);
            return;
        }
        if (state.compareAndSet(State.RUNNING, State.STOPPING)) {
            LOG.info("Consumer {} stopping", settings.groupId());
        }
        stopSignal.countDown();
        Thread t = thread;
        if (t != null && t.isAlive()) {
            consumer.wakeup();
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(settings.closeTimeout().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.warn("Consumer {} did not stop within {}; its thread is left running", settings.groupId(),
                        settings.closeTimeout());
            }
        }
    }

    private void consumeLoop() {
        Throwable failure = null;
        try {
            consumer.subscribe(settings.topics());
            while (!stopRequested()) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(settings.pollTimeout());
                } catch (WakeupException e) {
                    continue; // close() woke the poll; the loop condition ends it
                }
                List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(records.count());
                records.forEach(batch::add);
                if (batch.isEmpty() || !stopRequested() && processor.process(batch)) {
                    for (ConsumerRecord<byte[], byte[]> record : batch) {
                        done.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
                    }
                    lag.applied(batch);
                    pastMarkers();
                }
                // committed before the next poll, so no rebalance can take a partition with work not yet committed
                commitDone();
                lag.update(consumer);
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            // even after a failure: whatever is in done is durable in the database or the dead-letter topic
            try {
                commitDone();
            } catch (RuntimeException e) {
                LOG.warn("Consumer {} could not commit offsets while stopping; those records will be read again and skipped as duplicates",
                        settings.groupId(), e);
            }
            lag.clear();
            closeClients();
            finish(failure);
        }
    }

    /**
     * A transactional producer ends each transaction with a marker that takes an offset but is never returned by a poll;
     * committing only past the last record returned would leave the group one behind the end after every transaction
     * (what {@code kafka-consumer-groups} shows as lag). After a poll whose records are all done, the consumer's
     * position is past them and past any marker after them: commit that, for the partitions this member committed or
     * is about to commit (a partition it has not read yet keeps its offset).
     */
    private void pastMarkers() {
        for (TopicPartition tp : consumer.assignment()) {
            OffsetAndMetadata pending = done.get(tp);
            long upTo = pending != null ? pending.offset() : committed.getOrDefault(tp, -1L);
            if (upTo < 0) {
                continue;
            }
            long position = ConsumerLag.position(consumer, tp); // UNKNOWN (-1) until known: a later poll then
            if (position > upTo) {
                done.put(tp, new OffsetAndMetadata(position));
            }
        }
    }

    private void commitDone() {
        if (done.isEmpty()) {
            return;
        }
        try {
            commitSync();
            done.forEach((tp, offset) -> committed.put(tp, offset.offset()));
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // The group moved the partitions on (this member was too slow or is leaving). The new owner
            // reads these records again, and the processed-event table makes them no-ops.
            LOG.warn("Consumer {} lost its partitions before committing {}: {}", settings.groupId(), done, e.getMessage());
        }
        done.clear();
    }

    private void commitSync() {
        try {
            consumer.commitSync(done);
        } catch (WakeupException e) {
            // close() called wakeup() while a record was processed, and the wakeup hit this commit
            // instead of a poll; the flag is cleared now, so commit again.
            consumer.commitSync(done);
        }
    }

    private void finish(Throwable failure) {
        if (failure == null) {
            state.set(State.STOPPED);
            LOG.info("Consumer {} stopped", settings.groupId());
            stopped.complete(null);
            return;
        }
        state.set(State.FAILED);
        ConsumerFailedException f = failure instanceof ConsumerFailedException cfe ? cfe
                : new ConsumerFailedException("consumer " + settings.groupId() + " failed: " + failure, failure);
        LOG.error("Consumer {} failed: {}", settings.groupId(), f.getMessage(), f);
        stopped.completeExceptionally(f);
    }

    private boolean stopRequested() {
        return stopSignal.getCount() == 0;
    }

    private void moveTo(State from, State to) {
        if (!state.compareAndSet(from, to)) {
            throw new IllegalStateException("consumer " + settings.groupId() + " is " + state.get() + ", not " + from);
        }
        LOG.info("Consumer {} {}", settings.groupId(), to);
    }

    private void closeClients() {
        EndOffsetWatch watch = endOffsets;
        if (watch != null) {
            watch.close();
        }
        try {
            consumer.close(Duration.ofSeconds(10));
        } catch (KafkaException e) {
            LOG.warn("Consumer {} did not close cleanly", settings.groupId(), e);
        } finally {
            // in a finally: the producer's I/O thread is not a daemon and would keep the JVM alive
            producer.close(Duration.ofSeconds(10));
        }
    }
}
