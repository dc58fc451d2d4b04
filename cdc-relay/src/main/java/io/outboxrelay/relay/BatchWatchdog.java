package io.outboxrelay.relay;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Notices a relay that has stopped moving: a batch in hand for longer than {@code limit}, or, when Debezium
 * hands over a heartbeat at least every few seconds, no batch through for that long (in hand or not).
 * Normally the producer's delivery.timeout.ms or Debezium's offset.flush.timeout.ms gives up first and the
 * relay fails or retries on its own; this covers what does not give up. Measured by the fault suite with the
 * broker down: Kafka Connect's offset store (Kafka 4.3.0) blocks in {@code producer.send} for max.block.ms,
 * its producer never times out (delivery.timeout.ms = Integer.MAX_VALUE), and
 * {@code KafkaOffsetBackingStore.SetCallbackFuture.get} waits without end when its timeout runs out to the
 * millisecond ({@code wait(0)}); Debezium's polling thread then sits there, the relay reporting RUNNING,
 * until Kafka is back.
 */
final class BatchWatchdog implements AutoCloseable {

    private final long limitNanos;
    private final boolean idleCounts;
    private final Consumer<String> onStuck;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "relay-batch-watchdog");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean fired = new AtomicBoolean();
    /** Another reason to give up, checked with the same period (null while there is none), and whom to tell. */
    private volatile Supplier<String> problem = () -> null;
    private volatile Consumer<String> onProblem = p -> { };
    /** System.nanoTime() when the batch in hand was handed over; 0 while there is none. */
    private volatile long batchSince;
    /** System.nanoTime() when the last batch ended, or when the watchdog started. */
    private volatile long lastBatchEnded = System.nanoTime();

    /**
     * @param idleCounts whether a stretch of {@code limit} without any batch is a stall too (true when heartbeats
     *                   guarantee a batch every heartbeat interval)
     * @param onStuck    told once, on the watchdog's thread, what it saw
     */
    BatchWatchdog(Duration limit, boolean idleCounts, Duration checkEvery, Consumer<String> onStuck) {
        this.limitNanos = limit.toNanos();
        this.idleCounts = idleCounts;
        this.onStuck = onStuck;
        timer.scheduleWithFixedDelay(this::check, checkEvery.toMillis(), checkEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The relay streams from now on: the time without batches counts from here. */
    void streaming() {
        lastBatchEnded = System.nanoTime();
    }

    /** Also tell {@code onProblem}, once, when {@code problem} reports something (checked every {@code checkEvery}). */
    void alsoWatch(Supplier<String> problem, Consumer<String> onProblem) {
        this.onProblem = onProblem;
        this.problem = problem;
    }

    void batchStarted() {
        batchSince = Math.max(1, System.nanoTime());
    }

    void batchEnded() {
        lastBatchEnded = System.nanoTime();
        batchSince = 0;
    }

    private void check() {
        long since = batchSince;
        long now = System.nanoTime();
        String reported = problem.get();
        if (reported != null && fired.compareAndSet(false, true)) {
            onProblem.accept(reported);
            return;
        }
        String stall = null;
        if (idleCounts && now - lastBatchEnded > limitNanos) {
            stall = "no batch (not even a heartbeat) went through for " + seconds(now - lastBatchEnded);
        }
        else if (since != 0 && now - since > limitNanos) {
            stall = "a batch has been in hand for " + seconds(now - since);
        }
        if (stall != null && fired.compareAndSet(false, true)) {
            onStuck.accept(stall);
        }
    }

    private static String seconds(long nanos) {
        return TimeUnit.NANOSECONDS.toSeconds(nanos) + " s";
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
