package io.outboxrelay.relay;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.config.DatabaseHosts;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.error.Causes;
import io.outboxrelay.relay.kafka.KafkaEventSink;
import io.outboxrelay.relay.kafka.SendFailedException;
import io.outboxrelay.relay.postgres.Primary;
import io.outboxrelay.relay.postgres.PrimaryWatch;
import io.outboxrelay.relay.preflight.Preflight;
import io.outboxrelay.relay.preflight.StartPosition;
import io.outboxrelay.relay.preflight.StartupException;
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
 *
 * <p>With several hosts in {@link RelayConfig#DATABASE_HOST} the relay streams from the writable one and watches it
 * ({@link PrimaryWatch}): when a standby has been promoted in its place, the relay stops gracefully and
 * {@link #awaitTermination()} says so; {@link #primaryMovedTo()} names the new primary, which the next
 * {@link #start(RelayConfig)} finds by itself ({@code relay run} does that at once).
 *
 * <p>This class keeps the state; the engine, the sink and the watchdog that notices a stall are its
 * {@code RelayEngine}.
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
    private final RelayEngine engine;
    private volatile DatabaseHosts.Host primary;
    private volatile DatabaseHosts.Host movedTo;
    private volatile PrimaryWatch primaryWatch;

    private Relay(RelayConfig config, Listener listener) {
        this.config = config;
        this.listener = listener;
        this.engine = new RelayEngine(stats, () -> streaming.complete(null), this::onEngineStopped, this::fail,
                this::failIfRunning);
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
            RelayConfig streamFrom = relay.findPrimary();
            StartPosition position = Preflight.check(streamFrom);
            relay.engine.start(streamFrom, position);
            relay.awaitStreaming(streamFrom);
            relay.engine.streaming();
            relay.move(State.STARTING, State.RUNNING);
            relay.watchPrimary();
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
            engine.shutdownThread();
            throw e;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            enter(State.STOPPED);
            engine.shutdownThread();
            throw new StartupException("stopped while standing by", e);
        }
    }

    /** The configuration with the one host to stream from: the writable one of several. */
    private RelayConfig findPrimary() {
        try {
            primary = Primary.find(config);
            if (config.databaseHosts().several()) {
                LOG.info("PostgreSQL primary is {} (database.host lists {})", primary, config.databaseHosts());
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while looking for the PostgreSQL primary", e);
        }
        return config.pinnedTo(primary);
    }

    private void watchPrimary() {
        if (config.databaseHosts().several()) {
            primaryWatch = PrimaryWatch.start(config, primary, this::primaryMoved, this::failIfRunning);
        }
    }

    /** A standby was promoted: stop gracefully (on a thread of its own: close waits), telling why. */
    private void primaryMoved(DatabaseHosts.Host to) {
        movedTo = to;
        Thread stopper = new Thread(this::close, "relay-primary-moved");
        stopper.setDaemon(true);
        stopper.start();
    }

    /** The host this relay streams from (of those in database.host); null before it has found it. */
    public DatabaseHosts.Host primary() {
        return primary;
    }

    /** The host that became the primary while this relay ran, which made it stop; null otherwise. */
    public DatabaseHosts.Host primaryMovedTo() {
        return movedTo;
    }

    private void awaitStreaming(RelayConfig streamFrom) {
        int timeoutMs = Math.max(60_000, config.getInt(RelayConfig.STARTUP_TIMEOUT_MS) * 2);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            streaming.get(timeoutMs, TimeUnit.MILLISECONDS);
            try (SlotWatch slot = new SlotWatch(streamFrom)) {
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
                    : new StartupException("the relay stopped while starting: " + Causes.rootMessage(cause), cause);
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
            engine.closeProducer(clean ? PRODUCER_CLOSE_TIMEOUT : Duration.ZERO);
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
            engine.shutdownThread();
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
        return Causes.hasCause(error, RejectedExecutionException.class);
    }

    /** A failure noticed off the engine's thread (a refused send, a stall) fails a running relay, and is counted. */
    private void failIfRunning(String reason) {
        if (state.get() == State.RUNNING) {
            stats.recordError();
            fail(new SendFailedException(reason, null));
        }
    }

    /** The relay has failed: FAILED once, and {@link #awaitTermination()} returns at once with the cause. */
    private void fail(Throwable cause) {
        if (!failed.compareAndSet(false, true)) {
            return;
        }
        stopWatchingPrimary();
        streaming.completeExceptionally(cause);
        if (!Causes.hasCause(cause, SendFailedException.class)) {
            stats.recordError(); // a failed send was counted where it failed
        }
        state.set(State.FAILED);
        LOG.error("Relay state FAILED: {}", Causes.rootMessage(cause));
        listener.stateChanged(this, State.FAILED);
        terminated.completeExceptionally(cause);
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
        stopWatchingPrimary();
        engine.drain();
        try {
            engine.closeEngine();
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
            engine.closeProducer(PRODUCER_CLOSE_TIMEOUT);
            enter(State.STOPPED);
            terminated.complete(null);
            engine.shutdownThreadNow();
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
            if (movedTo != null) {
                throw new RelayFailedException("relay stopped: the PostgreSQL primary moved from " + primary + " to "
                        + movedTo + "; start the relay again to stream from it", null);
            }
        }
        catch (ExecutionException e) {
            throw new RelayFailedException("relay stopped: " + Causes.rootMessage(e.getCause()), e.getCause());
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

    private void stopWatchingPrimary() {
        PrimaryWatch watch = primaryWatch;
        if (watch != null) {
            watch.close();
        }
    }

    /** Start failed: stop whatever was started, without waiting for a clean stop. */
    private void abandon() {
        state.set(State.STOPPING);
        listener.stateChanged(this, State.STOPPING);
        if (engine.started()) {
            try {
                engine.closeEngine();
            }
            catch (IOException | RuntimeException e) {
                LOG.debug("Engine close after failed start: {}", e.getMessage());
            }
            awaitQuietly();
        }
        engine.closeProducer(Duration.ZERO);
        engine.shutdownThreadNow();
        state.set(State.FAILED);
        listener.stateChanged(this, State.FAILED);
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
}
