package io.outboxrelay.consumers.ops;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.outboxrelay.console.History;
import io.outboxrelay.consumers.payment.PendingPayments;
import io.outboxrelay.consumers.runtime.PartitionLag;

/**
 * The console page at {@code /} of the consumers' endpoint: its files (in the jar: no CDN, works offline) and the JSON
 * it polls, {@code /console/data}: the {@code /status} document, the PENDING payments (when polled), one sample a
 * second of events/s and lag for the last 15 minutes (in memory), and the consoles of relays to show alongside (the
 * embedded pipeline's). Read-only; no payload and no setting is part of it.
 */
final class ConsumerConsole implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<List<ConsumerEndpoint.View>> views;
    private final MeterRegistry registry;
    private final History history = new History("lag_events", "lag_seconds");
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "consumers-console-sample");
        t.setDaemon(true);
        return t;
    });
    private volatile Map<String, URI> relays = Map.of();

    ConsumerConsole(Supplier<List<ConsumerEndpoint.View>> views, MeterRegistry registry) {
        this.views = views;
        this.registry = registry;
        sampler.scheduleAtFixedRate(this::sample, 0, 1, TimeUnit.SECONDS);
    }

    /** Relays' consoles the page shows beside the consumers, by name. */
    void relays(Map<String, URI> consoles) {
        relays = Collections.unmodifiableMap(new LinkedHashMap<>(consoles)); // in the order given
    }

    private void sample() {
        try {
            sample(views.get());
        }
        catch (RuntimeException e) {
            // a consumer closing while asked: the next second's sample has it right, and the schedule must go on
        }
    }

    private void sample(List<ConsumerEndpoint.View> now) {
        double events = 0;
        long lagEvents = 0;
        boolean known = true;
        double lagSeconds = 0;
        for (ConsumerEndpoint.View v : now) {
            events += v.events();
            for (PartitionLag p : v.partitions()) {
                known &= p.events() >= 0;
                lagEvents += Math.max(0, p.events());
                lagSeconds = Math.max(lagSeconds, p.seconds());
            }
        }
        history.sample(System.currentTimeMillis(), System.nanoTime(), events, known ? lagEvents : null,
                Math.round(lagSeconds * 1000) / 1000.0);
    }

    Map<String, Object> data(List<ConsumerEndpoint.View> now) throws IOException {
        Map<String, Object> out = JSON.readValue(ConsumerEndpoint.status(now), new TypeReference<LinkedHashMap<String, Object>>() { });
        out.put("payments_pending", gauge(PendingPayments.PENDING));
        out.put("payments_pending_oldest_age_seconds", gauge(PendingPayments.OLDEST_AGE));
        List<Map<String, Object>> consoles = new ArrayList<>();
        relays.forEach((name, uri) -> consoles.add(Map.of("name", name, "url", uri.toString())));
        out.put("relays", consoles);
        out.put("history", history.columns());
        return out;
    }

    /** A gauge's value; null when it is not registered (no payments polled here) or unknown (NaN). */
    private Double gauge(String name) {
        Gauge g = registry.find(name).gauge();
        return g == null || Double.isNaN(g.value()) ? null : g.value();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
