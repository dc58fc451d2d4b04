package io.outboxrelay.relay.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.outboxrelay.relay.RelayStats;
import io.outboxrelay.relay.routing.OutboxRouter;
import io.outboxrelay.relay.routing.OutboxRows;

class KafkaEventSinkUnitTests {

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final RelayStats stats = new RelayStats();
    private final KafkaEventSink sink = new KafkaEventSink(producer,
            new OutboxRouter("outbox.${aggregateType}", "outbox.dead-letter", Map.of()), stats, null);
    private final RecordingCommitter committer = new RecordingCommitter();

    @Test
    void marksNothingProcessedBeforeKafkaAcknowledges() throws Exception {
        CompletableFuture<Void> batch = handleAsync(events(3));
        await().until(() -> producer.history().size() == 3);

        assertThat(committer.marked).isEmpty();
        producer.completeNext();
        producer.completeNext();
        await().until(() -> committer.marked.size() == 2);
        assertThat(batch).isNotDone();
        assertThat(committer.batchesFinished.get()).isZero();

        producer.completeNext();
        batch.get();
        assertThat(committer.marked).hasSize(3);
        assertThat(committer.batchesFinished.get()).isEqualTo(1);
        assertThat(stats.relayed()).isEqualTo(3);
    }

    @Test
    void recordsTheLastAcknowledgedEventWithItsCommitTime() throws Exception {
        assertThat(stats.lastEvent()).isNull();
        CompletableFuture<Void> batch = handleAsync(events(3));
        await().until(() -> producer.history().size() == 3);
        producer.completeNext();
        producer.completeNext();
        producer.completeNext();
        batch.get();

        RelayStats.LastEvent last = stats.lastEvent();
        assertThat(last.eventId()).isEqualTo("e-2");
        assertThat(last.committedAt()).isEqualTo(Instant.ofEpochMilli(OutboxRows.COMMITTED_AT_MILLIS));
        assertThat(last.acknowledgedAt()).isAfter(last.committedAt());
    }

    @Test
    void countsARefusedSendAsAnError() {
        CompletableFuture<Void> batch = handleAsync(events(1));
        await().until(() -> producer.history().size() == 1);
        producer.errorNext(new TimeoutException("Expiring 1 record(s)"));
        catchThrowable(batch::join);

        assertThat(stats.errors()).isEqualTo(1);
        assertThat(stats.lastEvent()).as("nothing acknowledged").isNull();
    }

    @Test
    void failedSendLeavesItAndEverythingAfterItUnmarked() throws Exception {
        CompletableFuture<Void> batch = handleAsync(events(3));
        await().until(() -> producer.history().size() == 3);

        producer.completeNext();
        producer.errorNext(new TimeoutException("Expiring 1 record(s)"));
        producer.completeNext();
        Throwable failure = catchThrowable(batch::join);

        assertThat(failure).hasCauseInstanceOf(SendFailedException.class);
        assertThat(failure.getCause()).hasMessageContaining("Kafka did not acknowledge").hasMessageContaining("Expiring 1 record(s)");
        assertThat(committer.marked).as("only the first, acknowledged, event").hasSize(1);
        assertThat(committer.batchesFinished.get()).as("the position is not saved").isZero();
    }

    @Test
    void recordRefusedAsTooLargeGoesToDeadLetterTopicAndTheBatchGoesOn() throws Exception {
        CompletableFuture<Void> batch = handleAsync(events(2));
        await().until(() -> producer.history().size() == 2);

        producer.errorNext(new RecordTooLargeException("The message is 2000000 bytes"));
        await().until(() -> producer.history().size() == 3);
        assertThat(producer.history().get(2).topic()).isEqualTo("outbox.dead-letter");
        producer.completeNext(); // the dead letter
        producer.completeNext(); // the second event
        batch.get();

        assertThat(committer.marked).hasSize(2);
        assertThat(stats.deadLettered()).isEqualTo(1);
        assertThat(stats.relayed()).isEqualTo(1);
    }

    @Test
    void afterDrainAndCloseALaterBatchIsNeitherSentNorMarked() throws Exception {
        sink.drainAndClose();
        Thread worker = new Thread(() -> {
            try {
                sink.handleBatch(events(2), committer);
            }
            catch (InterruptedException expected) {
                // the engine's close interrupts the polling thread
            }
        });
        worker.start();
        Thread.sleep(200);
        worker.interrupt();
        worker.join(5_000);

        assertThat(worker.isAlive()).isFalse();
        assertThat(producer.history()).isEmpty();
        assertThat(committer.marked).isEmpty();
    }

    private CompletableFuture<Void> handleAsync(List<RecordChangeEvent<SourceRecord>> events) {
        return CompletableFuture.runAsync(() -> {
            try {
                sink.handleBatch(events, committer);
            }
            catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static List<RecordChangeEvent<SourceRecord>> events(int n) {
        List<RecordChangeEvent<SourceRecord>> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SourceRecord record = OutboxRows.insert(OutboxRows.validRow("e-" + i, "order-" + i));
            events.add(() -> record);
        }
        return events;
    }

    private static final class RecordingCommitter implements DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> {
        final List<RecordChangeEvent<SourceRecord>> marked = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger batchesFinished = new AtomicInteger();

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record) {
            marked.add(record);
        }

        @Override
        public void markBatchFinished() {
            batchesFinished.incrementAndGet();
        }

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets offsets) {
            marked.add(record);
        }

        @Override
        public DebeziumEngine.Offsets buildOffsets() {
            throw new UnsupportedOperationException();
        }
    }
}
