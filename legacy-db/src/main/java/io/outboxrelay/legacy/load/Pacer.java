package io.outboxrelay.legacy.load;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds a load to a target rate shared by all clients: the n-th order is due n / rate seconds after
 * the start, whichever client takes it. A load that fell behind (the database was slower than the
 * rate) places overdue orders at once until it is back on schedule, so the average rate holds.
 */
final class Pacer {

    private final double ratePerSecond;
    private final long startNanos;

    /** @param ratePerSecond 0 for no pacing */
    Pacer(double ratePerSecond, long startNanos) {
        this.ratePerSecond = ratePerSecond;
        this.startNanos = startNanos;
    }

    /** System.nanoTime() at which order number {@code ticket} (from 0) is due. */
    long dueNanos(long ticket) {
        return ratePerSecond == 0 ? startNanos : startNanos + (long) (ticket * 1e9 / ratePerSecond);
    }

    /**
     * Waits until {@code ticket} is due.
     *
     * @return false if {@code stopSignal} was released before (or while) waiting
     */
    boolean awaitTurn(long ticket, CountDownLatch stopSignal) throws InterruptedException {
        long wait = dueNanos(ticket) - System.nanoTime();
        if (wait <= 0) {
            return stopSignal.getCount() > 0;
        }
        // waiting on the stop signal rather than sleeping lets stop() end a slow load at once
        return !stopSignal.await(wait, TimeUnit.NANOSECONDS);
    }
}
