package io.outboxrelay.relay.ops;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The console's charts: one sample a second of events/s, commit-to-ack lag, WAL retained and slot lag, for the last
 * {@value #SAMPLES} seconds (15 minutes), in memory only (a restart starts empty; Prometheus keeps the long history).
 */
final class ConsoleHistory {

    static final int SAMPLES = 900;

    /** Events per second since the previous sample; the others as last known, null when unknown. */
    private record Sample(long epochMillis, double eventsPerSecond, Double lagSeconds, Long walRetainedBytes,
                          Long slotLagBytes) {
    }

    private final Deque<Sample> samples = new ArrayDeque<>(SAMPLES);
    private long lastNanos;
    private long lastCount = -1;

    /**
     * @param count events and dead letters acknowledged so far; a count lower than the last one starts again (another
     *              relay)
     */
    synchronized void sample(long epochMillis, long nanos, long count, Double lagSeconds, Long walRetainedBytes,
                             Long slotLagBytes) {
        double rate = lastCount < 0 || count < lastCount || nanos <= lastNanos ? 0
                : (count - lastCount) * 1e9 / (nanos - lastNanos);
        lastNanos = nanos;
        lastCount = count;
        if (samples.size() == SAMPLES) {
            samples.removeFirst();
        }
        samples.addLast(new Sample(epochMillis, Math.round(rate * 10) / 10.0, lagSeconds, walRetainedBytes, slotLagBytes));
    }

    /** The samples, oldest first, as one array per series (compact JSON): t (epoch ms) and the four values. */
    synchronized Map<String, Object> columns() {
        List<Long> t = new ArrayList<>(samples.size());
        List<Double> rate = new ArrayList<>(samples.size());
        List<Double> lag = new ArrayList<>(samples.size());
        List<Long> wal = new ArrayList<>(samples.size());
        List<Long> slotLag = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            t.add(s.epochMillis());
            rate.add(s.eventsPerSecond());
            lag.add(s.lagSeconds());
            wal.add(s.walRetainedBytes());
            slotLag.add(s.slotLagBytes());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("t", t);
        out.put("events_per_second", rate);
        out.put("lag_seconds", lag);
        out.put("wal_retained_bytes", wal);
        out.put("slot_lag_bytes", slotLag);
        return out;
    }
}
