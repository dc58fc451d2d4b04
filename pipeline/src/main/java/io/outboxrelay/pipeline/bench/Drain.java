package io.outboxrelay.pipeline.bench;

import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

import io.outboxrelay.relay.Relay;

/**
 * A running relay draining a known number of events, watched from outside through its stats only.
 *
 * @param seconds     from the start of watching until the last expected event was acknowledged
 * @param firstMillis from the start of watching until the first event was acknowledged
 * @param heapPeak    highest heap use seen (sampled every {@value #HEAP_SAMPLE_MILLIS} ms, garbage included)
 * @param cpu         cores busy meanwhile
 */
record Drain(double seconds, long firstMillis, long heapPeak, CpuMeter.Usage cpu) {

    static final int HEAP_SAMPLE_MILLIS = 20;

    /** The pid of the relay's walsender; asked for after the drain, so that the query is not timed. */
    interface WalsenderPid {
        long get() throws SQLException;
    }

    /**
     * Waits until the relay has had {@code expected} events acknowledged since it started, timed from
     * now. The counter is polled every 2 ms, which is all the resolution a drain of seconds needs.
     *
     * @throws IllegalStateException if the relay stops, dead-letters an event or is too slow
     */
    static Drain await(Relay relay, long expected, WalsenderPid walsender) throws Exception {
        long start = System.nanoTime();
        CpuMeter cpu = new CpuMeter();
        long deadline = start + TimeUnit.SECONDS.toNanos(120 + expected / 1000);
        long heapPeak = JvmUsage.heapUsed();
        long nextHeapSample = start;
        long first = -1;
        long relayed;
        while ((relayed = relay.stats().relayed()) < expected) {
            long now = System.nanoTime();
            if (first < 0 && relayed > 0) {
                first = now;
            }
            if (relay.state() != Relay.State.RUNNING) {
                throw new IllegalStateException("the relay stopped (" + relay.state() + ") after relaying " + relayed
                        + " of " + expected + " events; see the log");
            }
            if (relay.stats().deadLettered() > 0) {
                throw new IllegalStateException("the relay dead-lettered " + relay.stats().deadLettered()
                        + " events (see the log): the bench would not measure normal relaying");
            }
            if (now > deadline) {
                throw new IllegalStateException("the relay relayed only " + relayed + " of " + expected + " events in "
                        + TimeUnit.NANOSECONDS.toSeconds(now - start) + " s");
            }
            if (now >= nextHeapSample) {
                heapPeak = Math.max(heapPeak, JvmUsage.heapUsed());
                nextHeapSample = now + TimeUnit.MILLISECONDS.toNanos(HEAP_SAMPLE_MILLIS);
            }
            Thread.sleep(2);
        }
        long end = System.nanoTime();
        CpuMeter.Usage usage = cpu.stop(walsender.get());
        return new Drain((end - start) / 1e9, TimeUnit.NANOSECONDS.toMillis((first < 0 ? end : first) - start),
                Math.max(heapPeak, JvmUsage.heapUsed()), usage);
    }
}
