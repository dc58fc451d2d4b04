package io.outboxrelay.faults;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.legacy.load.SampleEventLoad;

/**
 * Outbox events at a steady rate while faults are injected: legacy-db's {@link SampleEventLoad} (two
 * writers, transactions of 1 to 10 events, 10% rolled back, per-aggregate versions in commit order) run in
 * slices of a fifth of a second. A slice that fails (the database is restarting) is counted and the next
 * one starts a little later; what was committed is read back from the outbox at the end, so a commit whose
 * outcome the client never heard of is still counted right.
 */
final class SteadyLoad implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SteadyLoad.class);
    static final int AGGREGATES = 50;
    private static final int SLICES_PER_SECOND = 5;

    private final SampleEventLoad load;
    private final int eventsPerSecond;
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** Held by each slice, and by {@link #pause()} until {@link #resume()}. */
    private final Semaphore slicePermit = new Semaphore(1);
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong failedSlices = new AtomicLong();
    private final Thread thread;

    private SteadyLoad(DataSource dataSource, int eventsPerSecond) {
        this.load = new SampleEventLoad(dataSource);
        this.eventsPerSecond = eventsPerSecond;
        this.thread = new Thread(this::run, "steady-load");
    }

    static SteadyLoad start(DataSource dataSource, int eventsPerSecond) throws Exception {
        SteadyLoad steady = new SteadyLoad(dataSource, eventsPerSecond);
        steady.load.prepare(AGGREGATES);
        steady.thread.start();
        return steady;
    }

    private void run() {
        int slice = Math.max(1, eventsPerSecond / SLICES_PER_SECOND);
        SampleEventLoad.Plan plan = new SampleEventLoad.Plan(slice, 2, 1, 10, 10, AGGREGATES, 200);
        long sliceNanos = Duration.ofSeconds(1).toNanos() / SLICES_PER_SECOND;
        long next = System.nanoTime();
        while (running.get()) {
            slicePermit.acquireUninterruptibly();
            try {
                SampleEventLoad.Result result = load.run(plan, n -> { });
                committed.addAndGet(result.committed().size());
            }
            catch (Exception e) {
                if (failedSlices.incrementAndGet() % 20 == 1) {
                    LOG.info("Load slice failed (the database may be restarting): {}", e.toString());
                }
                next = System.nanoTime() + sliceNanos; // a failed slice does not make up for lost time
            }
            finally {
                slicePermit.release();
            }
            next += sliceNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Probe.sleep(Duration.ofNanos(wait));
            }
            else {
                next = System.nanoTime(); // behind: do not burst to catch up
            }
        }
    }

    /** Waits for the slice in hand to end and holds the load until {@link #resume()}: nothing commits meanwhile. */
    void pause() {
        slicePermit.acquireUninterruptibly();
    }

    void resume() {
        slicePermit.release();
    }

    /** Events committed so far, as far as the load knows. */
    long committed() {
        return committed.get();
    }

    long failedSlices() {
        return failedSlices.get();
    }

    /** Stops after the slice in hand. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(Duration.ofSeconds(60).toMillis());
    }
}
