package io.outboxrelay.relay.ops;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/** Events per second over the last minute, from samples of a growing count. */
final class EventRate {

    static final long WINDOW_NANOS = 60_000_000_000L;

    private record Sample(long nanos, long count) {
    }

    private final Deque<Sample> samples = new ArrayDeque<>();

    synchronized void sample(long nanos, long count) {
        samples.addLast(new Sample(nanos, count));
        // keep the newest sample that is a full window old: the rate then covers the whole window
        while (samples.size() > 1) {
            Iterator<Sample> it = samples.iterator();
            it.next();
            if (nanos - it.next().nanos() < WINDOW_NANOS) {
                break;
            }
            samples.removeFirst();
        }
    }

    /** Forgets every sample: the count started again (another relay). */
    synchronized void reset() {
        samples.clear();
    }

    /** @return events per second from the oldest sample of the window to {@code count} now; 0 without samples */
    synchronized double perSecond(long nanos, long count) {
        Sample oldest = samples.peekFirst();
        if (oldest == null || nanos - oldest.nanos() <= 0) {
            return 0;
        }
        return (count - oldest.count()) * 1e9 / (nanos - oldest.nanos());
    }
}
