package io.outboxrelay.relay.ops;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.outboxrelay.console.History;
import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.RelayStats;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.ProducerSettings;
import io.outboxrelay.relay.postgres.ReplicationSlot;
import io.outboxrelay.relay.preflight.StartupException;

/**
 * What operators see of a running relay: a console page, Prometheus metrics, health probes and a status document
 * over HTTP ({@link RelayConfig#HTTP_PORT}), fed by the relay it is given as {@link Relay.Listener}
 * and by a poll of the replication slot every few seconds. Start it before the relay, so that probes
 * answer (not ready) while the relay starts:
 *
 * <pre>{@code
 * try (RelayOperations ops = RelayOperations.start(config)) {
 *     Relay relay = Relay.start(config, ops);
 *     ...
 * }
 * }</pre>
 */
public final class RelayOperations implements Relay.Listener, AutoCloseable {

    /** The keys of {@code /status}: what only the running relay knows. {@code relay status} shows them too. */
    public static final List<String> STATUS_KEYS = List.of("state", "events_per_second", "last_event_id",
            "last_event_committed_at", "last_event_age_seconds", "lag_seconds", "events_relayed",
            "dead_letters_relayed", "errors", "delivery_guarantee", "transactional_id", "transactions_committed",
            "last_transaction_committed_at");

    static final Duration SLOT_POLL_INTERVAL = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(RelayOperations.class);

    private final String relayName;
    private final String deliveryGuarantee;
    private final String transactionalId;
    private final String host;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final EventRate rate = new EventRate();
    private final History history = new History("lag_seconds", "wal_retained_bytes", "slot_lag_bytes");
    private final SlotPoller slot;
    private final RelayMetrics metrics;
    private final ScheduledExecutorService scheduler;
    private final HttpEndpoint endpoint;
    private volatile Relay relay;
    private volatile Relay.State state = Relay.State.NEW;

    private RelayOperations(RelayConfig config) {
        relayName = config.get(RelayConfig.RELAY_NAME);
        deliveryGuarantee = config.get(RelayConfig.DELIVERY_GUARANTEE);
        transactionalId = ProducerSettings.transactionalId(config);
        registry.config().commonTags("relay", relayName);
        slot = new SlotPoller(config);
        metrics = new RelayMetrics(registry, this::stats, () -> state, slot::last);
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "relay-ops-poll");
            t.setDaemon(true);
            return t;
        });
        host = config.get(RelayConfig.HTTP_HOST);
        int port = config.getInt(RelayConfig.HTTP_PORT);
        if (port < 0) {
            endpoint = null;
            LOG.info("HTTP endpoint disabled (http.port=-1): no metrics, health checks or status over HTTP");
            return;
        }
        try {
            endpoint = new HttpEndpoint(new InetSocketAddress(host, port), registry::scrape, () -> state, this::status,
                    () -> Console.data(status(), slot.last(), history, stats()));
        }
        catch (IOException | RuntimeException e) {
            close();
            throw new StartupException("cannot listen on " + host + ":" + port + " for metrics and health checks ("
                    + e.getMessage() + "): set http.port to a free port (0 picks one, -1 disables the endpoint)", e);
        }
        // not while pre-flight runs: a wrong password or an unreachable database is its one line to report, not a
        // warning of the metrics poll racing it
        scheduler.scheduleWithFixedDelay(() -> {
            if (state != Relay.State.NEW && state != Relay.State.STARTING) {
                slot.run();
            }
        }, 0, SLOT_POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleAtFixedRate(this::sampleRate, 0, 1, TimeUnit.SECONDS);
        LOG.info("Metrics, health and status on http://{}:{} (/metrics, /health/live, /health/ready, /status; console page at /)",
                host, endpoint.port());
    }

    /**
     * Starts the HTTP endpoint and the slot poll; with {@link RelayConfig#HTTP_PORT} -1, neither.
     *
     * @throws StartupException when the port cannot be bound
     */
    public static RelayOperations start(RelayConfig config) {
        return new RelayOperations(config);
    }

    /** The port actually bound (differs from the setting when it is 0); -1 when disabled. */
    public int port() {
        return endpoint == null ? -1 : endpoint.port();
    }

    /** Where this endpoint answers, seen from this host. */
    public URI uri() {
        if (endpoint == null) {
            throw new IllegalStateException("the HTTP endpoint is disabled (http.port=-1)");
        }
        return uri(host, port());
    }

    /** http://host:port, with this host's loopback address for a wildcard host. */
    static URI uri(String host, int port) {
        String h = host.isBlank() || host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        return URI.create("http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port);
    }

    @Override
    public void stateChanged(Relay changed, Relay.State newState) {
        if (changed != relay) {
            relay = changed;
            rate.reset();
            rate.sample(System.nanoTime(), 0); // a new relay counts from zero
        }
        state = newState;
    }

    private RelayStats stats() {
        Relay r = relay;
        return r == null ? null : r.stats();
    }

    private void sampleRate() {
        RelayStats s = stats();
        long now = System.nanoTime();
        long acknowledged = s == null ? 0 : s.relayed() + s.deadLettered();
        if (s != null) {
            rate.sample(now, acknowledged);
        }
        ReplicationSlot polled = slot.last();
        history.sample(System.currentTimeMillis(), now, acknowledged, lagSeconds(s == null ? null : s.lastEvent()),
                polled == null ? null : polled.walRetainedBytes(), polled == null ? null : polled.slotLagBytes());
    }

    /** Commit-to-acknowledgement of the last event in seconds; null when unknown. */
    private static Double lagSeconds(RelayStats.LastEvent last) {
        return last == null || last.commitToAck() == null ? null : round(last.commitToAck().toMillis() / 1000.0);
    }

    /** The {@code /status} document, keyed by {@link #STATUS_KEYS} plus relay_name. */
    Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("relay_name", relayName);
        out.put("state", state.name());
        RelayStats s = stats();
        RelayStats.LastEvent last = s == null ? null : s.lastEvent();
        out.put("events_per_second", s == null ? 0.0
                : round(rate.perSecond(System.nanoTime(), s.relayed() + s.deadLettered())));
        out.put("last_event_id", last == null ? null : last.eventId());
        out.put("last_event_committed_at", last == null || last.committedAt() == null ? null : last.committedAt().toString());
        out.put("last_event_age_seconds", last == null || last.committedAt() == null ? null
                : round(Duration.between(last.committedAt(), Instant.now()).toMillis() / 1000.0));
        out.put("lag_seconds", lagSeconds(last));
        out.put("events_relayed", s == null ? 0 : s.relayed());
        out.put("dead_letters_relayed", s == null ? 0 : s.deadLettered());
        out.put("errors", s == null ? 0 : s.errors());
        out.put("delivery_guarantee", deliveryGuarantee);
        out.put("transactional_id", transactionalId);
        out.put("transactions_committed", s == null ? 0 : s.transactions());
        out.put("last_transaction_committed_at", s == null || s.lastTransactionAt() == null ? null : s.lastTransactionAt().toString());
        Relay r = relay;
        out.put("database_primary", r == null || r.primary() == null ? null : r.primary().toString());
        return out;
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    @Override
    public void close() {
        if (endpoint != null) {
            endpoint.close();
        }
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        slot.close();
        metrics.close();
        registry.close();
    }
}
