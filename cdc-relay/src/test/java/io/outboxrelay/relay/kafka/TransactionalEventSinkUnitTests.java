package io.outboxrelay.relay.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import io.debezium.engine.RecordChangeEvent;
import io.outboxrelay.relay.RecentEvents;
import io.outboxrelay.relay.RelayStats;
import io.outboxrelay.relay.routing.OutboxRouter;
import io.outboxrelay.relay.routing.OutboxRows;

class TransactionalEventSinkUnitTests {

    private static final String OFFSETS = "relay.offsets";
    private static final String DEAD_LETTERS = "outbox.dead-letter";

    private final RelayStats stats = new RelayStats();
    private final RefusingProducer producer = new RefusingProducer();
    private final TransactionalEventSink sink = sink(producer);
    private final RecordingCommitter committer = new RecordingCommitter();

    @Test
    void commitsABatchsEventsAndThePositionAfterItsLastRecordInOneTransactionThenMarksThem() throws Exception {
        sink.handleBatch(events(3, 7L), committer);

        assertThat(producer.commitCount()).isEqualTo(1);
        assertThat(producer.history()).extracting(ProducerRecord::topic)
                .containsExactly("outbox.Order", "outbox.Order", "outbox.Order", OFFSETS);
        ProducerRecord<byte[], byte[]> position = producer.history().get(3);
        assertThat(new String(position.key(), StandardCharsets.UTF_8)).isEqualTo("[\"relay-x\",{\"server\":\"test\"}]");
        assertThat(SavedPosition.parse(position.value()).lsn()).as("the last record's offset").isEqualTo("0/9");
        assertThat(committer.marked).hasSize(3);
        assertThat(committer.batchesFinished.get()).isEqualTo(1);
        assertThat(stats.relayed()).isEqualTo(3);
        assertThat(stats.transactions()).isEqualTo(1);
        assertThat(stats.lastTransactionAt()).isNotNull();
    }

    @Test
    void aFencedRelayStopsWithoutMarkingOrSendingAgain() {
        producer.fenceProducer();

        Throwable failure = catchThrowable(() -> sink.handleBatch(events(2, 1L), committer));

        assertThat(failure).isInstanceOf(SendFailedException.class).hasMessageContaining("another relay took over transactional.id"
                + " 'relay-x'");
        assertThat(producer.history()).isEmpty();
        assertThat(committer.marked).isEmpty();
        assertThat(stats.errors()).isEqualTo(1);
    }

    @Test
    void aCommitKafkaRefusesOnceIsAbortedAndTheWholeBatchCommittedAgain() throws Exception {
        producer.failCommits = 1;

        sink.handleBatch(events(2, 1L), committer);

        assertThat(producer.aborts).isEqualTo(1);
        assertThat(producer.history()).as("only the committed attempt").extracting(ProducerRecord::topic)
                .containsExactly("outbox.Order", "outbox.Order", OFFSETS);
        assertThat(committer.marked).hasSize(2);
    }

    @Test
    void aSecondFailedCommitStopsTheRelayWithNothingMarked() {
        producer.failCommits = 2;

        Throwable failure = catchThrowable(() -> sink.handleBatch(events(2, 1L), committer));

        assertThat(failure).isInstanceOf(SendFailedException.class).hasMessageContaining("2 times")
                .hasMessageContaining("resumes from its last committed position");
        assertThat(producer.history()).isEmpty();
        assertThat(committer.marked).isEmpty();
    }

    @Test
    void aCommitThatTimesOutStopsTheRelayAtOnceNamingMaxBlockMs() {
        producer.commitTransactionException = new TimeoutException("Timeout expired after 60000ms while awaiting EndTxn(true)");

        Throwable failure = catchThrowable(() -> sink.handleBatch(events(2, 1L), committer));

        assertThat(failure).isInstanceOf(SendFailedException.class).hasMessageContaining("kafka.producer.max.block.ms");
        assertThat(producer.aborts).as("a timed-out commit cannot be aborted").isZero();
        assertThat(committer.marked).isEmpty();
    }

    @Test
    void aRowKafkaRefusesIsDeadLetteredInTheBatchsNextTransactionAndTheOthersKeepTheirOrder() throws Exception {
        producer.refusedKey = "order-1";

        sink.handleBatch(events(3, 1L), committer);

        assertThat(producer.aborts).isEqualTo(1);
        assertThat(producer.history()).extracting(ProducerRecord::topic)
                .containsExactly("outbox.Order", DEAD_LETTERS, "outbox.Order", OFFSETS);
        assertThat(stats.relayed()).isEqualTo(2);
        assertThat(stats.deadLettered()).isEqualTo(1);
        assertThat(committer.marked).hasSize(3);
    }

    @Test
    void theConsoleListsOnlyWhatATransactionCommittedWithoutPayloads() {
        producer.refusedKey = "order-1";
        assertThatCode(() -> sink.handleBatch(events(3, 1L), committer)).doesNotThrowAnyException();
        producer.failCommits = 2;
        assertThatThrownBy(() -> sink.handleBatch(events(2, 10L), committer)).isInstanceOf(SendFailedException.class);

        assertThat(stats.recent().events()).as("newest first, none of the failed transaction")
                .extracting(RecentEvents.Event::key).containsExactly("order-2", "order-0");
        assertThat(stats.recent().events().get(0).topic()).isEqualTo("outbox.Order");
        assertThat(stats.recent().events().get(0).committedAt()).as("the row's commit time").isNotNull();
        assertThat(stats.recent().deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason()).contains("record too large");
            assertThat(d.source()).isNotBlank();
        });
    }

    @Test
    void aTransactionalIdKafkaRefusesStopsTheStartWithTheAclToGrant() {
        RefusingProducer refused = new RefusingProducer();
        refused.initTransactionException = new TransactionalIdAuthorizationException("Transactional Id authorization failed.");

        assertThatThrownBy(() -> sink(refused)).isInstanceOf(SendFailedException.class)
                .hasMessageContaining("Write and Describe on TransactionalId 'relay-x'").hasMessageContaining("kafka-acls");
        assertThat(refused.closed()).isTrue();
    }

    @Test
    void aBatchAfterCloseIsNeitherSentNorMarked() throws Exception {
        sink.drainAndClose();
        CompletableFuture<Void> batch = CompletableFuture.runAsync(() -> {
            try {
                sink.handleBatch(events(1, 1L), committer);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread.sleep(200);
        assertThat(batch).isNotDone();
        assertThat(producer.history()).isEmpty();
        assertThat(committer.marked).isEmpty();
    }

    private TransactionalEventSink sink(RefusingProducer p) {
        return new TransactionalEventSink(p, "relay-x", OFFSETS, new OutboxRouter("outbox.${aggregateType}", DEAD_LETTERS, Map.of()),
                stats, null, Duration.ofSeconds(5));
    }

    /** {@code n} valid events with offsets {lsn: first}, {lsn: first + 1}, ... */
    private static List<RecordChangeEvent<SourceRecord>> events(int n, long firstLsn) {
        List<RecordChangeEvent<SourceRecord>> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SourceRecord row = OutboxRows.insert(OutboxRows.validRow("e-" + i, "order-" + i));
            SourceRecord record = new SourceRecord(row.sourcePartition(), Map.of("lsn", firstLsn + i), row.topic(), null,
                    row.valueSchema(), row.value());
            events.add(() -> record);
        }
        return events;
    }

    /**
     * A transactional MockProducer that can refuse one record for the row's fault (and then its transaction, as Kafka
     * does) and fail a number of commits.
     */
    private static final class RefusingProducer extends MockProducer<byte[], byte[]> {
        String refusedKey;
        int failCommits;
        int aborts;
        private boolean refusedInTransaction;

        RefusingProducer() {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
            if (refusedKey != null && record.key() != null && refusedKey.equals(new String(record.key(), StandardCharsets.UTF_8))
                    && !record.topic().equals(DEAD_LETTERS)) {
                refusedInTransaction = true;
                return CompletableFuture.failedFuture(new RecordTooLargeException("The message is 2000000 bytes"));
            }
            return super.send(record);
        }

        @Override
        public void commitTransaction() {
            if (refusedInTransaction) {
                refusedInTransaction = false;
                throw new KafkaException("Cannot execute transactional method because we are in an error state");
            }
            if (failCommits > 0) {
                failCommits--;
                throw new NotEnoughReplicasException("Messages are rejected since there are fewer in-sync replicas than required");
            }
            super.commitTransaction();
        }

        @Override
        public void abortTransaction() {
            aborts++;
            super.abortTransaction();
        }
    }
}
