package io.outboxrelay.pipeline.orders;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outboxrelay.consumers.payment.PaymentCharger;
import io.outboxrelay.consumers.runtime.DataSources;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.legacy.LegacyDatabase;
import io.outboxrelay.pipeline.EmbeddedRelayConfig;
import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.RelayFailedException;
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
    final MeterRegistry metrics = new SimpleMeterRegistry();
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
        return track(LegacyDatabase.pool(postgres.jdbcUrl(name), postgres.superuser(), postgres.superuserPassword(), poolSize));
    }

    /** A consumer's own small pool on {@code database} (auto-commit off, as the consumer runtime expects). */
    HikariDataSource consumerPool(String database, String consumer) {
        return track(DataSources.pooled(postgres.jdbcUrl(database), postgres.superuser(), postgres.superuserPassword(),
                consumer));
    }

    /** A relay for the outbox of {@code database}; each relay has its own name, slot and offset topic. */
    Relay relay(String database) {
        Relay relay = track(Relay.start(EmbeddedRelayConfig.of(postgres, kafka, database, Map.of("relay.name", database + "-relay",
                "slot.name", database + "_relay", "offset.topic", database + "-relay.offsets",
                "offset.topic.replication.factor", "1"))));
        Thread watch = new Thread(() -> {
            try {
                relay.awaitTermination();
            }
            catch (RelayFailedException e) {
                failure.complete("relay " + database + "-relay failed: " + e.getMessage());
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
                failure.complete("consumer " + started.group() + " failed: " + cause.getMessage());
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
                failure.complete("payment charger failed: " + cause.getMessage());
            }
        });
        return started;
    }

    /** Completes with one line naming the relay or consumer that failed first, and why. */
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
