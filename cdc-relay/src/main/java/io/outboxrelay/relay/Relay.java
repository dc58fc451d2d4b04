package io.outboxrelay.relay;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.debezium.engine.spi.OffsetCommitPolicy;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.KafkaEventSink;
import io.outboxrelay.relay.kafka.ProducerSettings;
import io.outboxrelay.relay.kafka.SendFailedException;
import io.outboxrelay.relay.kafka.TopicCompaction;
import io.outboxrelay.relay.kafka.TopicProvisioner;
import io.outboxrelay.relay.preflight.Preflight;
import io.outboxrelay.relay.preflight.StartPosition;
import io.outboxrelay.relay.preflight.StartupException;
import io.outboxrelay.relay.routing.OutboxRouter;
import io.outboxrelay.relay.standby.Standby;

/**
 * One running relay: Debezium's embedded engine reading the outbox through pgoutput, handing
 * batches to a {@link KafkaEventSink}. Its position is kept in a Kafka topic
 * ({@link RelayConfig#OFFSET_TOPIC}) and saved only for acknowledged events.
 *
 * <p>Lifecycle: {@link #start(RelayConfig)} checks, starts and returns once streaming has begun (as a
 * hot standby, {@link RelayConfig#STANDBY}, it first waits until the replication slot is free);
 * {@link #close()} stops gracefully (in-flight sends acknowledged, position saved);
 * {@link #awaitTermination()} blocks until the relay stops and tells whether it failed. A
 * {@link Listener} given to {@link #start(RelayConfig, Listener)} hears of every state change, from
 * the first (to STANDBY or STARTING) on.
 */
public final class Relay implements AutoCloseable {

    /**
     * Ordered: a relay only moves forward through these. STANDBY only with {@link RelayConfig#STANDBY}:
     * waiting for another relay to release the replication slot.
     */
    public enum State { NEW, STANDBY, STARTING, RUNNING, STOPPING, STOPPED, FAILED }

    /** Told of each state change, on the thread that made it: must return quickly and not throw. */
    @FunctionalInterface
    public interface Listener {
        void stateChanged(Relay relay, State state);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);
    private static final int STOP_TIMEOUT_SECONDS = 60;
    private static final Duration PRODUCER_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final RelayConfig config;
    private final Listener listener;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final RelayStats stats = new RelayStats();
    private final CompletableFuture<Void> streaming = new CompletableFuture<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final AtomicBoolean failed = new AtomicBoolean();
    private final ExecutorService engineThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "relay-engine"));
    private TopicProvisioner topics;
    private KafkaEventSink sink;
    private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private BatchWatchdog watchdog;

    private Relay(RelayConfig config, Listener listener) {
        this.config = config;
        this.listener = listener;
    }

    /**
     * Runs the pre-flight checks, then starts streaming.
     *
     * @throws StartupException with a one-line reason when the relay cannot start
     */
    public static Relay start(RelayConfig config) {
        return start(config, (relay, state) -> { });
    }

    /**
     * Like {@link #start(RelayConfig)}, telling {@code listener} of every state change.
     *
     * @throws StartupException with a one-line reason when the relay cannot start
     */
    public static Relay start(RelayConfig config, Listener listener) {
        DebeziumPatches.logWhichAreActive();
        Relay relay = new Relay(config, listener);
        Standby claim = config.getBoolean(RelayConfig.STANDBY) ? relay.standBy() : null;
        relay.move(claim == null ? State.NEW : State.STANDBY, State.STARTING);
        try {
            StartPosition position = Preflight.check(config);
            relay.startEngine(position);
            relay.awaitStreaming();
            relay.watchdog.streaming();
            relay.move(State.STARTING, State.RUNNING);
            return relay;
        }
        catch (RuntimeException e) {
            relay.abandon();
            throw e;
        }
        finally {
            if (claim != null) {
                claim.close(); // streaming (the slot is ours) or failed: the next standby may try
            }
        }
    }

    /**
     * Waits, however long it takes, until the slot is free and no other standby is starting; checks what it
     * can before a long wait, so that a standby that could never start says so at once.
     */
    private Standby standBy() {
        move(State.NEW, State.STANDBY);
        try {
            return Standby.await(config, () -> Preflight.checkBeforeStandingBy(config));
        }
        catch (StartupException e) {
            state.set(State.FAILED);
            listener.stateChanged(this, State.FAILED);
            engineThread.shutdown();
            throw e;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            enter(State.STOPPED);
            engineThread.shutdown();
            throw new StartupException("stopped while standing by", e);
        }
    }

    private void startEngine(StartPosition position) {
        OutboxRouter router = new OutboxRouter(config.get(RelayConfig.TOPIC_PATTERN), config.get(RelayConfig.DEAD_LETTER_TOPIC),
                config.headerColumns(), config.getBoolean(RelayConfig.OUTBOX_MESSAGES), config.get(RelayConfig.OFFSET_TOPIC));
        Map<String, Object> topicAdmin = ProducerSettings.admin(config, "topics");
        // a new topic's leaders are asked until they serve it (TopicProvisioner): retry at 20 ms, not Kafka's 100 ms
        topicAdmin.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 20);
        topicAdmin.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 200);
        topics = TopicProvisioner.of(Admin.create(topicAdmin), config);
        // as many records awaiting acknowledgement as Debezium's queue holds: a full queue's worth in flight
        Map<String, Object> producerSettings = ProducerSettings.from(config);
        sink = new KafkaEventSink(() -> new KafkaProducer<>(producerSettings), router, stats, topics,
                config.getInt(RelayConfig.MAX_BATCH_SIZE) * 4, Duration.ofMillis(config.getInt(RelayConfig.KAFKA_ACK_TIMEOUT_MS)));
        Properties debezium = DebeziumSettings.from(config, position.debeziumOverrides());
        watchdog = watchdog(debezium);
        // a refused send fails the relay within a second even while Debezium's thread waits on saving a position
        watchdog.alsoWatch(sink::refusedSend, refused -> {
            if (state.get() == State.RUNNING) {
                stats.recordError();
                fail(new SendFailedException(refused + "; the relay stops without saving a position past it", null));
            }
        });
        engine = DebeziumEngine.create(ChangeEventFormat.of(io.debezium.embedded.Connect.class))
                .using(debezium)
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void pollingStarted() {
                        streaming.complete(null);
                    }
                })
                .using((success, message, error) -> onEngineStopped(success, message, error))
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
        return new BatchWatchdog(stallLimit, heartbeatMs > 0, Duration.ofSeconds(1), stall -> {
            if (state.get() == State.RUNNING) {
                stats.recordError();
                fail(new SendFailedException("the relay has stalled: " + stall + " (limit " + stallLimit.toSeconds()
                        + " s: max.block.ms + delivery.timeout.ms + offset.flush.timeout.ms); check Kafka at "
                        + config.get(RelayConfig.KAFKA_BOOTSTRAP) + " and PostgreSQL; the relay stops without saving a position"
                        + " past what Kafka acknowledged", null));
            }
        });
    }

    private void awaitStreaming() {
        int timeoutMs = Math.max(60_000, config.getInt(RelayConfig.STARTUP_TIMEOUT_MS) * 2);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            streaming.get(timeoutMs, TimeUnit.MILLISECONDS);
            try (SlotWatch slot = new SlotWatch(config)) {
                while (!slot.isActive()) {
                    if (terminated.isDone()) {
                        streaming.get(); // the engine failed after polling started: report why
                    }
                    if (System.nanoTime() > deadline) {
                        throw new TimeoutException();
                    }
                    Thread.sleep(50);
                }
            }
        }
        catch (java.sql.SQLException e) {
            throw new StartupException("cannot watch replication slot '" + config.get(RelayConfig.SLOT_NAME)
                    + "' while starting: " + e.getMessage(), e);
        }
        catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof StartupException se ? se
                    : new StartupException("the relay stopped while starting: " + rootMessage(cause), cause);
        }
        catch (TimeoutException e) {
            throw new StartupException("the relay did not start streaming within " + timeoutMs + " ms; see the log above");
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while starting", e);
        }
    }

    private void onEngineStopped(boolean success, String message, Throwable error) {
        // clean only when asked to stop; an engine that ends by itself has failed, whatever it says
        boolean clean = state.get() == State.STOPPING && (error == null || isRejectedByStoppingEngine(error));
        try {
            // after a failure nothing more is marked processed, so sends still pending are worth nothing: waiting for
            // a broker that is down would only delay the exit (and the supervisor's restart) by the close timeout
            closeProducer(clean ? PRODUCER_CLOSE_TIMEOUT : Duration.ZERO);
        }
        finally {
            if (clean) {
                streaming.completeExceptionally(new StartupException("the relay stopped while starting: " + message));
                enter(State.STOPPED);
                terminated.complete(null);
            }
            else {
                fail(error != null ? error : new IllegalStateException("the Debezium engine stopped unexpectedly: " + message));
            }
            engineThread.shutdown();
        }
    }

    /**
     * Debezium 3.6.1's engine shuts its record executor down in close() while its polling thread may be handing over
     * the batch it just polled; that thread then fails with a RejectedExecutionException, which the engine passes to
     * the completion callback (AsyncEmbeddedEngine.runTasksPolling says so). The close() that caused it has stopped the
     * task and saved the position of every record marked processed before the callback runs, so a stop we asked for
     * is still clean. Seen about once in 13 graceful stops under load by the fault suite.
     */
    private static boolean isRejectedByStoppingEngine(Throwable error) {
        return hasCause(error, RejectedExecutionException.class);
    }

    /** The relay has failed: FAILED once, and {@link #awaitTermination()} returns at once with the cause. */
    private void fail(Throwable cause) {
        if (!failed.compareAndSet(false, true)) {
            return;
        }
        streaming.completeExceptionally(cause);
        if (!hasCause(cause, SendFailedException.class)) {
            stats.recordError(); // a failed send was counted where it failed
        }
        state.set(State.FAILED);
        LOG.error("Relay state FAILED: {}", rootMessage(cause));
        listener.stateChanged(this, State.FAILED);
        terminated.completeExceptionally(cause);
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
                fail(e);
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
                fail(e);
                throw e;
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return periodic.performCommit(numberOfMessagesSinceLastCommit, timeSinceLastCommit);
        }
    }

    /**
     * Stops gracefully: waits for every sent event to be acknowledged and marked, refuses further batches,
     * then lets the engine save the position and stop. Idempotent.
     */
    @Override
    public void close() {
        if (!state.compareAndSet(State.RUNNING, State.STOPPING) && !state.compareAndSet(State.STARTING, State.STOPPING)) {
            awaitQuietly();
            return;
        }
        LOG.info("Relay state STOPPING");
        listener.stateChanged(this, State.STOPPING);
        sink.drainAndClose();
        try {
            engine.close();
        }
        catch (IOException | IllegalStateException e) {
            // IllegalStateException: the engine is already stopping on its own; the callback reports how.
            LOG.debug("Engine close: {}", e.getMessage());
        }
        try {
            terminated.get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catch (ExecutionException e) {
            LOG.debug("Relay ended with {}", e.toString());
        }
        catch (TimeoutException e) {
            // engine.close() has saved the position of every acknowledged event before it returned;
            // only Debezium's polling thread failed to notice the stop
            LOG.warn("Debezium engine did not finish stopping within {} s; position already saved, giving up on it",
                    STOP_TIMEOUT_SECONDS);
            closeProducer(PRODUCER_CLOSE_TIMEOUT);
            enter(State.STOPPED);
            terminated.complete(null);
            engineThread.shutdownNow();
        }
    }

    /**
     * Blocks until the relay has stopped.
     *
     * @throws RelayFailedException if it stopped because of an error rather than {@link #close()}
     */
    public void awaitTermination() throws InterruptedException {
        try {
            terminated.get();
        }
        catch (ExecutionException e) {
            throw new RelayFailedException("relay stopped: " + rootMessage(e.getCause()), e.getCause());
        }
    }

    public State state() {
        return state.get();
    }

    public RelayStats stats() {
        return stats;
    }

    private void awaitQuietly() {
        try {
            terminated.get(5, TimeUnit.MINUTES);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catch (ExecutionException | TimeoutException e) {
            LOG.debug("Relay ended with {}", e.toString());
        }
    }

    /** Start failed: stop whatever was started, without waiting for a clean stop. */
    private void abandon() {
        state.set(State.STOPPING);
        listener.stateChanged(this, State.STOPPING);
        if (engine != null) {
            try {
                engine.close();
            }
            catch (IOException | RuntimeException e) {
                LOG.debug("Engine close after failed start: {}", e.getMessage());
            }
            awaitQuietly();
        }
        closeProducer(Duration.ZERO);
        engineThread.shutdownNow();
        state.set(State.FAILED);
        listener.stateChanged(this, State.FAILED);
    }

    private synchronized void closeProducer(Duration timeout) {
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

    private void move(State from, State to) {
        if (!state.compareAndSet(from, to)) {
            throw new IllegalStateException("relay is " + state.get() + ", expected " + from);
        }
        LOG.info("Relay state {}", to);
        listener.stateChanged(this, to);
    }

    private void enter(State to) {
        state.set(to);
        LOG.info("Relay state {}", to);
        listener.stateChanged(this, to);
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        if (root != t && root.getMessage() != null && !message.contains(root.getMessage())) {
            message = message + " (" + root.getMessage() + ")";
        }
        return message.replace('\n', ' ');
    }
}
