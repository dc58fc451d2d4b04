package io.outboxrelay.relay;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.connect.source.SourceRecord;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.debezium.engine.spi.OffsetCommitPolicy;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.EventSink;
import io.outboxrelay.relay.kafka.KafkaEventSink;
import io.outboxrelay.relay.kafka.ProducerSettings;
import io.outboxrelay.relay.kafka.SendFailedException;
import io.outboxrelay.relay.kafka.TopicProvisioner;
import io.outboxrelay.relay.kafka.TransactionalEventSink;
import io.outboxrelay.relay.preflight.StartPosition;
import io.outboxrelay.relay.routing.OutboxRouter;

/**
 * The moving parts of one {@link Relay}, built and closed together: Debezium's embedded engine on its own thread, the
 * {@link EventSink} it hands batches to ({@link KafkaEventSink}, or {@link TransactionalEventSink} for exactly-once), the {@link TopicProvisioner} the sink creates topics with and the
 * {@link BatchWatchdog} that notices a stall. The relay keeps the state; these parts tell it what happens to them.
 * Each part exists only once {@link #start(StartPosition)} has got that far, so a failed start closes what there is.
 */
final class RelayEngine {

    private final RelayStats stats;
    private final Runnable pollingStarted;
    private final DebeziumEngine.CompletionCallback stopped;
    private final Consumer<Throwable> fail;
    private final Consumer<String> failIfRunning;
    private RelayConfig config;
    private final ExecutorService engineThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "relay-engine"));
    private TopicProvisioner topics;
    private EventSink sink;
    private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private BatchWatchdog watchdog;

    /**
     * @param pollingStarted told when Debezium starts polling: streaming has begun
     * @param stopped        Debezium's completion callback: the engine has stopped, on its own or when closed
     * @param fail           fails the relay: a send Kafka did not acknowledge, seen on the engine's thread
     * @param failIfRunning  fails the relay, if it is running, for the reason given: a refused send or a stall the
     *                       watchdog noticed on its own thread
     */
    RelayEngine(RelayStats stats, Runnable pollingStarted, DebeziumEngine.CompletionCallback stopped,
                Consumer<Throwable> fail, Consumer<String> failIfRunning) {
        this.stats = stats;
        this.pollingStarted = pollingStarted;
        this.stopped = stopped;
        this.fail = fail;
        this.failIfRunning = failIfRunning;
    }

    /**
     * Builds the parts and runs the engine on its thread; returns without waiting for streaming.
     *
     * @param config the relay's configuration with the one database host to stream from
     */
    void start(RelayConfig config, StartPosition position) {
        this.config = config;
        OutboxRouter router = new OutboxRouter(config.get(RelayConfig.TOPIC_PATTERN), config.get(RelayConfig.DEAD_LETTER_TOPIC),
                config.headerColumns(), config.getBoolean(RelayConfig.OUTBOX_MESSAGES), config.get(RelayConfig.OFFSET_TOPIC));
        Map<String, Object> topicAdmin = ProducerSettings.admin(config, "topics");
        // a new topic's leaders are asked until they serve it (TopicProvisioner): retry at 20 ms, not Kafka's 100 ms
        topicAdmin.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 20);
        topicAdmin.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 200);
        topics = TopicProvisioner.of(Admin.create(topicAdmin), config);
        Duration ackTimeout = Duration.ofMillis(config.getInt(RelayConfig.KAFKA_ACK_TIMEOUT_MS));
        if (config.exactlyOnce()) {
            sink = new TransactionalEventSink(new KafkaProducer<>(ProducerSettings.transactional(config)),
                    ProducerSettings.transactionalId(config), config.get(RelayConfig.OFFSET_TOPIC), router, stats, topics, ackTimeout);
        }
        else {
            // as many records awaiting acknowledgement as Debezium's queue holds: a full queue's worth in flight
            Map<String, Object> producerSettings = ProducerSettings.from(config);
            sink = new KafkaEventSink(() -> new KafkaProducer<>(producerSettings), router, stats, topics,
                    config.getInt(RelayConfig.MAX_BATCH_SIZE) * 4, ackTimeout);
        }
        Properties debezium = DebeziumSettings.from(config, position.debeziumOverrides());
        watchdog = watchdog(debezium);
        // a refused send fails the relay within a second even while Debezium's thread waits on saving a position
        watchdog.alsoWatch(sink::refusedSend, refused -> failIfRunning.accept(
                refused + "; the relay stops without saving a position past it"));
        engine = DebeziumEngine.create(ChangeEventFormat.of(io.debezium.embedded.Connect.class))
                .using(debezium)
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void pollingStarted() {
                        pollingStarted.run();
                    }
                })
                .using(stopped)
                .using(new MarkingCommitPolicy(OffsetCommitPolicy.periodic(debezium)))
                .notifying(new FailingFast())
                .build();
        engineThread.execute(engine);
    }

    /**
     * Stalled longer than Kafka may take to refuse a send (max.block.ms + delivery.timeout.ms) and Debezium to give
     * up saving a position (offset.flush.timeout.ms), and than three heartbeats: fail, so that a supervisor sees it.
     */
    private BatchWatchdog watchdog(Properties debezium) {
        int heartbeatMs = config.getInt(RelayConfig.HEARTBEAT_INTERVAL_MS);
        Duration limit = ProducerSettings.maxBlock(config).plus(ProducerSettings.deliveryTimeout(config))
                .plusMillis(Long.parseLong(debezium.getProperty("offset.flush.timeout.ms")));
        if (limit.toMillis() < 3L * heartbeatMs) {
            limit = Duration.ofMillis(3L * heartbeatMs);
        }
        Duration stallLimit = limit;
        return new BatchWatchdog(stallLimit, heartbeatMs > 0, Duration.ofSeconds(1), stall -> failIfRunning.accept(
                "the relay has stalled: " + stall + " (limit " + stallLimit.toSeconds()
                        + " s: max.block.ms + delivery.timeout.ms + offset.flush.timeout.ms); check Kafka at "
                        + config.get(RelayConfig.KAFKA_BOOTSTRAP) + " and PostgreSQL; the relay stops without saving a position"
                        + " past what Kafka acknowledged"));
    }

    /** Whether the Debezium engine was built (and so has to be closed). */
    boolean started() {
        return engine != null;
    }

    /** Streaming has begun: the watchdog counts the time without batches from here. */
    void streaming() {
        watchdog.streaming();
    }

    /** The sink's {@link EventSink#drainAndClose()}: every sent event acknowledged and marked, no further batch. */
    void drain() {
        sink.drainAndClose();
    }

    /** Asks Debezium's engine to stop; it saves the position of every record marked processed before it returns. */
    void closeEngine() throws IOException {
        engine.close();
    }

    /** Closes the watchdog, the producer (waiting at most {@code timeout} for its sends) and the topic admin. */
    synchronized void closeProducer(Duration timeout) {
        if (watchdog != null) {
            watchdog.close();
        }
        if (sink != null) {
            sink.closeProducer(timeout);
        }
        if (topics != null) {
            topics.close();
            topics = null;
        }
    }

    /** Lets the engine's thread end once the engine has. */
    void shutdownThread() {
        engineThread.shutdown();
    }

    /** Interrupts the engine's thread: the engine did not stop when asked, or never started streaming. */
    void shutdownThreadNow() {
        engineThread.shutdownNow();
    }

    /**
     * Hands each batch to the sink. A send Kafka did not acknowledge fails the relay right there rather than
     * when the engine has wound down: with the broker away, Debezium waits for an offset flush until its task
     * stop times out (internal.task.management.timeout.ms, 40 s), reporting RUNNING all the while. Nothing after
     * the failed send is marked processed, so ending the process now is as safe as a kill. A batch that neither
     * succeeds nor fails in time fails the relay through the {@link BatchWatchdog}.
     */
    private final class FailingFast implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

        @Override
        public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                                DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
                throws InterruptedException {
            watchdog.batchStarted();
            try {
                sink.handleBatch(records, committer);
            }
            catch (SendFailedException e) {
                fail.accept(e);
                throw e;
            }
            finally {
                watchdog.batchEnded();
            }
        }

        @Override
        public boolean supportsTombstoneEvents() {
            return sink.supportsTombstoneEvents();
        }
    }

    /**
     * Debezium's periodic offset commit, asked on the engine's polling thread after every batch and every poll
     * that found nothing: there the sink first marks what Kafka has acknowledged since, so that the last batch
     * before a quiet spell is marked, and its position saved, without waiting for another batch.
     */
    private final class MarkingCommitPolicy implements OffsetCommitPolicy {
        private final OffsetCommitPolicy periodic;

        MarkingCommitPolicy(OffsetCommitPolicy periodic) {
            this.periodic = periodic;
        }

        @Override
        public boolean performCommit(long numberOfMessagesSinceLastCommit, Duration timeSinceLastCommit) {
            try {
                sink.markAcknowledged();
            }
            catch (SendFailedException e) {
                fail.accept(e);
                throw e;
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return periodic.performCommit(numberOfMessagesSinceLastCommit, timeSinceLastCommit);
        }
    }
}
