package io.outboxrelay.relay.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import io.debezium.engine.RecordChangeEvent;
import io.outboxrelay.relay.RelayStats;
import io.outboxrelay.relay.routing.OutboxRouter;
import io.outboxrelay.relay.routing.OutboxRows;
import io.outboxrelay.sql.OutboxHeaders;

class KafkaEventSinkUnitTests {

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);

    /** Every producer the sink asked for, in order: the first is {@link #producer}. */
    private final List<MockProducer<byte[], byte[]>> producers = new CopyOnWriteArrayList<>();
    private final RelayStats stats = new RelayStats();
    private final KafkaEventSink sink = sink(100, ACK_TIMEOUT);
    private final MockProducer<byte[], byte[]> producer = producers.get(0);
    private final RecordingCommitter committer = new RecordingCommitter();

    @Test
    void marksNothingProcessedBeforeKafkaAcknowledges() throws Exception {
        sink.handleBatch(events(3), committer);
        assertThat(producer.history()).as("the batch is sent without waiting for acknowledgements").hasSize(3);
        assertThat(committer.marked).isEmpty();

        producer.completeNext();
        producer.completeNext();
        sink.markAcknowledged();
        assertThat(committer.marked).extracting(e -> e.record()).containsExactly(event(0), event(1));

        producer.completeNext();
        sink.markAcknowledged();
        assertThat(committer.marked).hasSize(3);
        assertThat(stats.relayed()).isEqualTo(3);
    }

    @Test
    void aBatchWaitsForTheOldestWhenMoreThanMaxInFlightAreUnacknowledged() throws Exception {
        KafkaEventSink narrow = sink(2, ACK_TIMEOUT);
        MockProducer<byte[], byte[]> producer = producers.get(1);
        CompletableFuture<Void> batch = async(() -> narrow.handleBatch(events(3), committer));
        await().until(() -> producer.history().size() == 3);
        Thread.sleep(100);
        assertThat(batch).as("3 unacknowledged, 2 allowed").isNotDone();

        producer.completeNext();
        batch.get();
        assertThat(committer.marked).hasSize(1);
        assertThat(committer.batchesFinished.get()).isEqualTo(1);
    }

    @Test
    void recordsTheLastAcknowledgedEventWithItsCommitTime() throws Exception {
        assertThat(stats.lastEvent()).isNull();
        sink.handleBatch(events(3), committer);
        producer.completeNext();
        producer.completeNext();
        producer.completeNext();
        sink.markAcknowledged();

        RelayStats.LastEvent last = stats.lastEvent();
        assertThat(last.eventId()).isEqualTo("e-2");
        assertThat(last.committedAt()).isEqualTo(Instant.ofEpochMilli(OutboxRows.COMMITTED_AT_MILLIS));
        assertThat(last.acknowledgedAt()).isAfter(last.committedAt());
    }

    @Test
    void countsARefusedSendAsAnError() throws Exception {
        sink.handleBatch(events(1), committer);
        producer.errorNext(new TimeoutException("Expiring 1 record(s)"));
        catchThrowable(sink::markAcknowledged);

        assertThat(stats.errors()).isEqualTo(1);
        assertThat(stats.lastEvent()).as("nothing acknowledged").isNull();
    }

    @Test
    void replacesAProducerThatLostItsSequenceAndSendsAgainInOrderWhatWasNotAcknowledged() throws Exception {
        sink.handleBatch(events(4), committer);
        producer.completeNext();
        producer.errorNext(new OutOfOrderSequenceException("The broker received an out of order sequence number"));
        sink.markAcknowledged();

        assertThat(producer.closed()).as("the broken producer is closed").isTrue();
        assertThat(producers).hasSize(2);
        MockProducer<byte[], byte[]> replacement = producers.get(1);
        assertThat(replacement.history()).as("what was not acknowledged, in order; not the acknowledged first")
                .extracting(r -> r.key() == null ? null : new String(r.key())).containsExactly("order-1", "order-2", "order-3");
        assertThat(committer.marked).as("only what the old producer had acknowledged").hasSize(1);

        replacement.completeNext();
        replacement.completeNext();
        replacement.completeNext();
        sink.markAcknowledged();
        assertThat(committer.marked).extracting(e -> e.record()).containsExactly(event(0), event(1), event(2), event(3));
        assertThat(stats.producerReplacements()).isEqualTo(1);
        assertThat(stats.errors()).isZero();
        assertThat(sink.refusedSend()).as("the replaced producer's failures are no refusal").isNull();
    }

    @Test
    void stopsWhenTheReplacementProducerFailsBeforeAnythingIsAcknowledged() throws Exception {
        sink.handleBatch(events(2), committer);
        producer.errorNext(new OutOfOrderSequenceException("out of order"));
        sink.markAcknowledged();
        producers.get(1).errorNext(new OutOfOrderSequenceException("out of order again"));

        Throwable failure = catchThrowable(sink::markAcknowledged);
        assertThat(failure).isInstanceOf(SendFailedException.class)
                .hasMessageContaining("again after the relay replaced its producer").hasMessageContaining("out of order again");
        assertThat(producers).as("replaced once, not in a loop").hasSize(2);
        assertThat(committer.marked).isEmpty();
    }

    @Test
    void aReplacementThatGotAnAcknowledgementMayBeReplacedAgainLater() throws Exception {
        sink.handleBatch(events(2), committer);
        producer.errorNext(new OutOfOrderSequenceException("out of order"));
        sink.markAcknowledged();
        producers.get(1).completeNext();
        producers.get(1).errorNext(new OutOfOrderSequenceException("out of order later"));
        sink.markAcknowledged();

        assertThat(producers).hasSize(3);
        producers.get(2).completeNext();
        sink.markAcknowledged();
        assertThat(committer.marked).hasSize(2);
    }

    @Test
    void replacesAProducerWhoseOldestSendWaitsLongerThanTheAckTimeout() throws Exception {
        KafkaEventSink impatient = sink(100, Duration.ofMillis(200));
        MockProducer<byte[], byte[]> stuck = producers.get(1);
        impatient.handleBatch(events(2), committer);
        impatient.markAcknowledged();
        assertThat(producers).as("not yet").hasSize(2);

        Thread.sleep(300);
        impatient.markAcknowledged();
        assertThat(stuck.closed()).isTrue();
        assertThat(producers.get(2).history()).hasSize(2);
        producers.get(2).completeNext();
        producers.get(2).completeNext();
        impatient.markAcknowledged();
        assertThat(committer.marked).hasSize(2);
    }

    @Test
    void replacesAStalledProducerWhileDebeziumsThreadIsElsewhereAndReportsASecondStallAsARefusal() throws Exception {
        KafkaEventSink impatient = sink(100, Duration.ofMillis(200));
        impatient.handleBatch(events(2), committer);

        await().atMost(Duration.ofSeconds(5)).until(() -> producers.size() == 3 && producers.get(2).history().size() == 2);
        assertThat(impatient.refusedSend()).as("replaced once: no refusal yet").isNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> impatient.refusedSend() != null);
        assertThat(impatient.refusedSend()).contains("again after the relay replaced its producer");
        assertThat(producers).as("not replaced a second time").hasSize(3);
        assertThat(committer.marked).isEmpty();
    }

    @Test
    void aBatchWaitingForTheOldestGivesUpOnTheProducerAfterTheAckTimeoutAndStopsTheSecondTime() throws Exception {
        KafkaEventSink impatient = new KafkaEventSink(this::newProducer,
                new OutboxRouter("outbox.${aggregateType}", "outbox.dead-letter", Map.of()), stats, null, 1, Duration.ofMillis(200));
        long start = System.nanoTime();
        Throwable failure = catchThrowable(() -> impatient.handleBatch(events(2), committer));

        assertThat(failure).isInstanceOf(SendFailedException.class).hasMessageContaining("kafka.ack.timeout.ms")
                .hasMessageContaining("again after the relay replaced its producer");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("two timeouts, no more").isLessThan(Duration.ofSeconds(5));
        assertThat(committer.marked).isEmpty();
    }

    @Test
    void aRecordKafkaRefusesForItsContentGoesToTheDeadLetterTopicWithTheWholeRow() throws Exception {
        sink.handleBatch(events(1), committer);
        producer.errorNext(new InvalidTopicException("Cannot append to internal topic"));
        CompletableFuture<Void> marking = async(sink::markAcknowledged);
        await().until(() -> producer.history().size() == 2);
        producer.completeNext();
        marking.get();

        ProducerRecord<byte[], byte[]> letter = producer.history().get(1);
        assertThat(letter.topic()).isEqualTo("outbox.dead-letter");
        assertThat(new String(letter.headers().lastHeader(OutboxHeaders.DLQ_REASON).value()))
                .isEqualTo("Kafka refused the record (InvalidTopicException: Cannot append to internal topic)");
        assertThat(new String(letter.value())).contains("\"payload\"");
        assertThat(committer.marked).hasSize(1);
    }

    @Test
    void aDeadLetterTooLargeForKafkaIsSentAgainShrunkWithItsReason() throws Exception {
        sink.handleBatch(List.of(() -> OutboxRows.insert(Map.of("event_id", "e-9", "aggregate_type", "Order",
                "aggregate_id", "x".repeat(2_000_000), "event_type", "", "payload", "{}"))), committer);
        assertThat(producer.history().get(0).topic()).isEqualTo("outbox.dead-letter");
        producer.errorNext(new RecordTooLargeException("The message is 4000000 bytes"));
        CompletableFuture<Void> marking = async(sink::markAcknowledged);
        await().until(() -> producer.history().size() == 2);
        producer.completeNext();
        marking.get();

        ProducerRecord<byte[], byte[]> shrunk = producer.history().get(1);
        assertThat(new String(shrunk.headers().lastHeader(OutboxHeaders.DLQ_REASON).value()))
                .startsWith("event_type is null or empty; Kafka refused the dead letter with the whole row (RecordTooLargeException");
        assertThat(shrunk.key().length + shrunk.value().length).isLessThan(5_000);
        assertThat(committer.marked).hasSize(1);
    }

    @Test
    void escapesWhatCouldForgeLogLinesInADeadLettersReason() {
        assertThat(DeadLetters.printable("aggregate_type 'a\nERROR forged\u202e\u0001' gives topic"))
                .isEqualTo("aggregate_type 'a\\u000aERROR forged\\u202e\\u0001' gives topic");
        assertThat(DeadLetters.printable("Bestellung-ü 订单")).isEqualTo("Bestellung-ü 订单");
    }

    @Test
    void aRefusedSendIsVisibleToOtherThreadsBeforeAnythingIsMarked() throws Exception {
        sink.handleBatch(events(2), committer);
        assertThat(sink.refusedSend()).isNull();

        producer.errorNext(new RecordTooLargeException("The message is 2000000 bytes"));
        assertThat(sink.refusedSend()).as("too large goes to the dead-letter topic, not a refusal").isNull();
        producer.errorNext(new TimeoutException("Expiring 1 record(s)"));

        assertThat(sink.refusedSend()).contains("Kafka did not acknowledge").contains("Expiring 1 record(s)");
        assertThat(committer.marked).isEmpty();
    }

    @Test
    void failedSendLeavesItAndEverythingAfterItUnmarked() throws Exception {
        sink.handleBatch(events(3), committer);
        producer.completeNext();
        producer.errorNext(new TimeoutException("Expiring 1 record(s)"));
        producer.completeNext();
        Throwable failure = catchThrowable(sink::markAcknowledged);

        assertThat(failure).isInstanceOf(SendFailedException.class)
                .hasMessageContaining("Kafka did not acknowledge").hasMessageContaining("Expiring 1 record(s)");
        assertThat(committer.marked).as("only the first, acknowledged, event").hasSize(1);

        Throwable next = catchThrowable(() -> sink.handleBatch(events(2), committer));
        assertThat(next).as("the next batch fails before it is sent").isInstanceOf(SendFailedException.class);
        assertThat(producer.history()).hasSize(3);
        assertThat(committer.marked).hasSize(1);
    }

    @Test
    void recordRefusedAsTooLargeGoesToDeadLetterTopicAndTheBatchGoesOn() throws Exception {
        sink.handleBatch(events(2), committer);
        producer.errorNext(new RecordTooLargeException("The message is 2000000 bytes"));
        CompletableFuture<Void> marking = async(sink::markAcknowledged);
        await().until(() -> producer.history().size() == 3);
        assertThat(producer.history().get(2).topic()).isEqualTo("outbox.dead-letter");
        producer.completeNext();
        producer.completeNext();
        marking.get();
        sink.markAcknowledged();

        assertThat(committer.marked).hasSize(2);
        assertThat(stats.deadLettered()).isEqualTo(1);
        assertThat(stats.relayed()).isEqualTo(1);
    }

    @Test
    void drainAndCloseWaitsForEverySentEventAndMarksIt() throws Exception {
        sink.handleBatch(events(2), committer);
        CompletableFuture<Void> drain = CompletableFuture.runAsync(sink::drainAndClose);
        Thread.sleep(100);
        assertThat(drain).isNotDone();

        producer.completeNext();
        producer.completeNext();
        drain.get();
        assertThat(committer.marked).hasSize(2);
    }

    @Test
    void drainAndCloseStopsMarkingAtARefusedSend() throws Exception {
        sink.handleBatch(events(3), committer);
        producer.completeNext();
        producer.errorNext(new TimeoutException("Expiring 1 record(s)"));
        producer.completeNext();

        sink.drainAndClose();
        assertThat(committer.marked).hasSize(1);
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

    private KafkaEventSink sink(int maxInFlight, Duration ackTimeout) {
        return new KafkaEventSink(this::newProducer, new OutboxRouter("outbox.${aggregateType}", "outbox.dead-letter", Map.of()),
                stats, null, maxInFlight, ackTimeout);
    }

    private MockProducer<byte[], byte[]> newProducer() {
        MockProducer<byte[], byte[]> p = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        producers.add(p);
        return p;
    }

    /** Something that may wait, for a thread of its own. */
    private interface Waiting {
        void run() throws InterruptedException;
    }

    private static CompletableFuture<Void> async(Waiting action) {
        return CompletableFuture.runAsync(() -> {
            try {
                action.run();
            }
            catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static SourceRecord event(int i) {
        return OutboxRows.insert(OutboxRows.validRow("e-" + i, "order-" + i));
    }

    private static List<RecordChangeEvent<SourceRecord>> events(int n) {
        List<RecordChangeEvent<SourceRecord>> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SourceRecord record = OutboxRows.insert(OutboxRows.validRow("e-" + i, "order-" + i));
            events.add(() -> record);
        }
        return events;
    }
}
