package io.outboxrelay.consumers.ops;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.outboxrelay.console.ConsolePage;
import io.outboxrelay.consumers.runtime.ConsumerMetrics;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.consumers.runtime.PartitionLag;

/**
 * A consumer process's HTTP endpoint (JDK server, no framework, two daemon threads, GET and HEAD
 * only):
 * <ul>
 *   <li>{@code /metrics}: the registry in Prometheus text format;</li>
 *   <li>{@code /health/live}: 200 unless a consumer failed (it needs a restart), else 503;</li>
 *   <li>{@code /health/ready}: 200 when every consumer is {@code RUNNING} with at least one partition
 *       assigned, else 503 (a member without partitions, as while the group rebalances, does no work);</li>
 *   <li>{@code /status}: JSON, per consumer group its state, partitions with their lag, dead letters;</li>
 *   <li>{@code /}: the {@link ConsumerConsole} page, which polls {@code /console/data}.</li>
 * </ul>
 * The probes answer one line per consumer ({@code read-model RUNNING, 3 partitions}). Every answer
 * comes from memory: the consumers' state and lag as their poll threads last saw them.
 */
public final class ConsumerEndpoint implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEXT = "text/plain; charset=utf-8";

    /** What the endpoint reports of one consumer, read once per request. */
    record View(String group, EventConsumer.State state, List<PartitionLag> partitions, double events, double deadLetters) {

        boolean ready() {
            return state == EventConsumer.State.RUNNING && !partitions.isEmpty();
        }

        String describe() {
            int n = partitions.size();
            return group + " " + state + (state == EventConsumer.State.RUNNING
                    ? ", " + (n == 0 ? "no partitions assigned" : n + (n == 1 ? " partition" : " partitions")) : "");
        }
    }

    private final String host;
    private final HttpServer server;
    private final ExecutorService threads;
    private final ConsumerConsole console;

    private ConsumerEndpoint(String host, int port, PrometheusMeterRegistry registry,
                             Supplier<? extends Collection<EventConsumer>> consumers) throws IOException {
        this.host = host;
        server = HttpServer.create(new InetSocketAddress(host, port), 16);
        threads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "consumers-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        Supplier<List<View>> views = () -> views(consumers.get(), registry);
        route("/metrics", exchange -> send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        route("/health/live", exchange -> {
            List<View> v = views.get();
            send(exchange, live(v) ? 200 : 503, TEXT, describe(v));
        });
        route("/health/ready", exchange -> {
            List<View> v = views.get();
            send(exchange, ready(v) ? 200 : 503, TEXT, describe(v));
        });
        route("/status", exchange -> send(exchange, 200, "application/json", status(views.get()) + "\n"));
        console = new ConsumerConsole(views, registry);
        route("/console/data", exchange -> {
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            send(exchange, 200, "application/json", JSON.writeValueAsString(console.data(views.get())));
        });
        ConsolePage.of(ConsumerConsole.class).forEach((path, file) -> route(path, exchange -> {
            // the page's own files only: no inline script, nothing from elsewhere but the relays' pages it frames
            exchange.getResponseHeaders().set("Content-Security-Policy", ConsolePage.SECURITY_POLICY + "; frame-src http: https:");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            send(exchange, 200, file.contentType(), file.body());
        }));
        server.start();
    }

    /**
     * Starts serving on {@code host:port}.
     *
     * @param port      0 picks a free port ({@link #uri()} says which)
     * @param consumers the consumers to report, asked at every request (they may change)
     * @throws UncheckedIOException when the port cannot be bound, with a message saying so
     */
    public static ConsumerEndpoint start(String host, int port, PrometheusMeterRegistry registry,
                                         Supplier<? extends Collection<EventConsumer>> consumers) {
        try {
            return new ConsumerEndpoint(host, port, registry, consumers);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + " for metrics and health checks ("
                    + e.getMessage() + "): choose a free port (0 picks one)", e);
        }
    }

    /**
     * Shows these relays' console pages (by name, each at its own endpoint) beside the consumers on the page at
     * {@code /}: the embedded pipeline's one page.
     */
    public void showRelays(Map<String, URI> consoles) {
        console.relays(consoles);
    }

    /** The port actually bound (differs from the one asked for when that was 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Where this endpoint answers, seen from this host (the loopback address for a wildcard host). */
    public URI uri() {
        String h = host.isBlank() || host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        return URI.create("http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port());
    }

    static List<View> views(Collection<EventConsumer> consumers, MeterRegistry registry) {
        List<View> out = new ArrayList<>(consumers.size());
        for (EventConsumer c : consumers) {
            double events = registry.find(ConsumerMetrics.EVENTS).tag(ConsumerMetrics.GROUP_TAG, c.group()).counters()
                    .stream().mapToDouble(Counter::count).sum();
            Counter deadLetters = registry.find(ConsumerMetrics.DEAD_LETTERS).tag(ConsumerMetrics.GROUP_TAG, c.group()).counter();
            out.add(new View(c.group(), c.state(), c.lag(), events, deadLetters == null ? 0 : deadLetters.count()));
        }
        return out;
    }

    static boolean live(List<View> views) {
        return views.stream().noneMatch(v -> v.state() == EventConsumer.State.FAILED);
    }

    static boolean ready(List<View> views) {
        return !views.isEmpty() && views.stream().allMatch(View::ready);
    }

    static String describe(List<View> views) {
        if (views.isEmpty()) {
            return "no consumers\n";
        }
        StringBuilder out = new StringBuilder();
        views.forEach(v -> out.append(v.describe()).append('\n'));
        return out.toString();
    }

    /**
     * The {@code /status} document: per group its state, its partitions (each with {@code lag_events},
     * null while unknown, and {@code lag_seconds}), their sum of events and largest seconds, events
     * taken past and dead letters since the process started.
     */
    static String status(List<View> views) throws JsonProcessingException {
        Map<String, Object> groups = new LinkedHashMap<>();
        for (View v : views) {
            List<Map<String, Object>> partitions = new ArrayList<>();
            long lagEvents = 0;
            boolean known = true;
            double lagSeconds = 0;
            for (PartitionLag p : v.partitions()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("topic", p.topic());
                m.put("partition", p.partition());
                m.put("lag_events", p.events() < 0 ? null : p.events());
                m.put("lag_seconds", p.seconds());
                partitions.add(m);
                known &= p.events() >= 0;
                lagEvents += Math.max(0, p.events());
                lagSeconds = Math.max(lagSeconds, p.seconds());
            }
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("state", v.state().name());
            g.put("ready", v.ready());
            g.put("partitions", partitions);
            g.put("lag_events", known ? lagEvents : null);
            g.put("lag_seconds", lagSeconds);
            g.put("events", (long) v.events());
            g.put("dead_letters", (long) v.deadLetters());
            groups.put(v.group(), g);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("live", live(views));
        out.put("ready", ready(views));
        out.put("consumers", groups);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
    }

    private void route(String path, HttpHandler handler) {
        server.createContext(path, exchange -> {
            try (exchange) {
                if (!exchange.getRequestURI().getPath().equals(path)) {
                    send(exchange, 404, TEXT, "not found\n");
                }
                else if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                    send(exchange, 405, TEXT, "only GET\n");
                }
                else {
                    handler.handle(exchange);
                }
            }
        });
    }

    private static void send(HttpExchange exchange, int code, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        console.close();
    }
}
