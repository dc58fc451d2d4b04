package io.outboxrelay.console;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A console page's charts: one sample a second for the last {@value #SAMPLES} seconds (15 minutes), in memory only (a
 * restart starts empty; Prometheus keeps the long history). Each sample has its time, the events per second since the
 * previous sample (from a running count) and the page's other series as last known (null when unknown).
 */
public final class History {

    public static final int SAMPLES = 900;

    private final List<String> series;
    /** Oldest first: epoch millis, events per second, then one value per series. */
    private final Deque<Object[]> samples = new ArrayDeque<>(SAMPLES);
    private long lastNanos;
    private double lastCount = -1;

    /** @param series the names of the values each sample carries besides the rate, in the order given to sample */
    public History(String... series) {
        this.series = List.of(series);
    }

    /**
     * @param count  events handled so far; a count lower than the last one starts again (another relay or consumer)
     * @param values one per series, in order
     */
    public synchronized void sample(long epochMillis, long nanos, double count, Object... values) {
        if (values.length != series.size()) {
            throw new IllegalArgumentException("a sample of " + series + " needs " + series.size() + " values, not "
                    + values.length);
        }
        double rate = lastCount < 0 || count < lastCount || nanos <= lastNanos ? 0
                : (count - lastCount) * 1e9 / (nanos - lastNanos);
        lastNanos = nanos;
        lastCount = count;
        if (samples.size() == SAMPLES) {
            samples.removeFirst();
        }
        Object[] sample = new Object[values.length + 2];
        sample[0] = epochMillis;
        sample[1] = Math.round(rate * 10) / 10.0;
        System.arraycopy(values, 0, sample, 2, values.length);
        samples.addLast(sample);
    }

    /** The samples, oldest first, as one array per series (compact JSON): t (epoch ms), events_per_second, the series. */
    public synchronized Map<String, Object> columns() {
        List<String> names = new ArrayList<>(List.of("t", "events_per_second"));
        names.addAll(series);
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            List<Object> column = new ArrayList<>(samples.size());
            for (Object[] sample : samples) {
                column.add(sample[i]);
            }
            out.put(names.get(i), column);
        }
        return out;
    }
}
