package io.outboxrelay.pipeline.orders;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.outboxrelay.consumers.ops.ConsumerEndpoint;
import io.outboxrelay.consumers.payment.PaymentCharger;
import io.outboxrelay.consumers.payment.PendingPayments;
import io.outboxrelay.consumers.runtime.DataSources;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.legacy.LegacyDatabase;
import io.outboxrelay.pipeline.EmbeddedRelayConfig;
import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.RelayFailedException;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.error.RelayException;
import io.outboxrelay.relay.ops.RelayOperations;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * What the pipeline runs on one PostgreSQL cluster and one Kafka: a database per service (legacy,
 * payments, read model), a relay per outbox (legacy, payments) and the consumers. Everything it
 * starts, it closes, in reverse order.
 */
final class Services implements AutoCloseable {

    final PostgresInstance postgres;
    final KafkaInstance kafka;
    /** The consumers' meters; {@link #endpoint} serves them. */
    final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<AutoCloseable> started = new ArrayList<>();
    /** Completes with one line when a relay or consumer started here fails by itself (not when it is closed). */
    private final CompletableFuture<String> failure = new CompletableFuture<>();

    Services(PostgresInstance postgres, KafkaInstance kafka) {
        this.postgres = postgres;
        this.kafka = kafka;
    }

    /**
     * A pool (auto-commit on) on the database, for set-up, the order load and the checks.
     *
     * @param create create it (it must not exist yet); otherwise it must exist
     */
    HikariDataSource database(String name, int poolSize, boolean create) {
        if (create) {
            postgres.createDatabase(name);
        }
        return track(LegacyDatabase.pool(name, postgres.jdbcUrl(name), postgres.superuser(), postgres.superuserPassword(), poolSize));
    }

    /** A consumer's own small pool on {@code database} (auto-commit off, as the consumer runtime expects). */
    HikariDataSource consumerPool(String database, String consumer) {
        return track(DataSources.pooled(postgres.jdbcUrl(database), postgres.superuser(), postgres.superuserPassword(),
                consumer));
    }

    /**
     * A relay for the outbox of {@code database}; each relay has its own name, slot and offset topic.
     *
     * @param consoles null: no HTTP endpoint; else the relay gets one on 127.0.0.1 (a free port) and its console's URI
     *                 is put here under the relay's name
     */
    Relay relay(String database, Map<String, URI> consoles) {
        String name = database + "-relay";
        RelayConfig config = EmbeddedRelayConfig.of(postgres, kafka, database, Map.of("relay.name", name,
                "slot.name", database + "_relay", "offset.topic", database + "-relay.offsets",
                "offset.topic.replication.factor", "1", "http.host", "127.0.0.1", "http.port", consoles == null ? "-1" : "0"));
        Relay relay;
        if (consoles == null) {
            relay = track(Relay.start(config));
        }
        else {
            RelayOperations ops = track(RelayOperations.start(config)); // closed after the relay
            consoles.put(name, ops.uri());
            relay = track(Relay.start(config, ops));
        }
        Thread watch = new Thread(() -> {
            try {
                relay.awaitTermination();
            }
            catch (RelayFailedException e) {
                fail("relay " + database + "-relay failed: " + e.getMessage());
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, database + "-relay-watch");
        watch.setDaemon(true);
        watch.start();
        return relay;
    }

    EventConsumer consumer(EventConsumer consumer) {
        EventConsumer started = track(consumer.start());
        started.stopped().whenComplete((done, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                fail("consumer " + started.group() + " failed: " + cause.getMessage());
            }
        });
        return started;
    }

    /**
     * Starts the payment charger. It retries gateway outages and transient database errors itself; a permanent
     * database error (a missing table or column, a missing privilege) stops it, and that fails the pipeline
     * with one line, as a failed consumer does: payments would otherwise stay PENDING unseen.
     */
    PaymentCharger charger(PaymentCharger charger) {
        PaymentCharger started = track(charger.start());
        started.stopped().whenComplete((done, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                fail("payment charger failed: " + cause.getMessage());
            }
        });
        return started;
    }

    /** Polls the payments database for the PENDING payment gauges ({@link PendingPayments}) until closed. */
    PendingPayments pendingPayments(DataSource payments) {
        return track(PendingPayments.start(payments, metrics, PendingPayments.DEFAULT_INTERVAL));
    }

    /**
     * Serves {@link #metrics} (with the JVM's) and the health and status of {@code consumers} over HTTP.
     *
     * @throws java.io.UncheckedIOException when the port cannot be bound
     */
    ConsumerEndpoint endpoint(String host, int port, Supplier<? extends Collection<EventConsumer>> consumers) {
        ConsumerEndpoint endpoint = track(ConsumerEndpoint.start(host, port, metrics, consumers));
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        new UptimeMetrics().bindTo(metrics);
        track(new JvmGcMetrics()).bindTo(metrics);
        return endpoint;
    }

    /** The first failure wins; PostgreSQL's multi-line messages (a "Position: 13" line) folded into the one line. */
    private void fail(String line) {
        failure.complete(RelayException.oneLine(line));
    }

    /** Completes with one line naming the relay, consumer or payment charger that failed first, and why. */
    CompletableFuture<String> failure() {
        return failure;
    }

    private <T extends AutoCloseable> T track(T resource) {
        started.add(resource);
        return resource;
    }

    /** Stops consumers and relays before the databases they use. */
    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            }
            catch (Exception e) {
                System.err.println("warning: could not stop " + started.get(i) + ": " + e.getMessage());
            }
        }
    }
}
