package io.outboxrelay.relay.ops;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.RelayStats;
import io.outboxrelay.relay.postgres.ReplicationSlot;

/**
 * The relay's meters. In Prometheus' names: {@code outbox_relay_events_relayed_total},
 * {@code outbox_relay_dead_letters_total}, {@code outbox_relay_errors_total},
 * {@code outbox_relay_producer_replacements_total},
 * {@code outbox_relay_lag_seconds}, {@code outbox_relay_last_event_age_seconds},
 * {@code outbox_relay_wal_retained_bytes}, {@code outbox_relay_slot_lag_bytes},
 * {@code outbox_relay_state{state=...}}, plus the JVM's. Every meter reads its value when scraped
 * from the relay's {@link RelayStats} or the last slot poll; nothing is counted twice.
 */
final class RelayMetrics implements AutoCloseable {

    private final Supplier<RelayStats> stats;
    private final JvmGcMetrics gc = new JvmGcMetrics();

    RelayMetrics(MeterRegistry registry, Supplier<RelayStats> stats, Supplier<Relay.State> state,
                 Supplier<ReplicationSlot> slot) {
        this.stats = stats;
        counter(registry, "outbox.relay.events.relayed", "Events Kafka acknowledged on their topic", RelayStats::relayed);
        counter(registry, "outbox.relay.dead.letters", "Outbox rows Kafka acknowledged on the dead-letter topic",
                RelayStats::deadLettered);
        counter(registry, "outbox.relay.errors", "Sends Kafka refused and engine failures (each stops the relay)",
                RelayStats::errors);
        counter(registry, "outbox.relay.producer.replacements", "Kafka producers the relay replaced because they could not go on"
                + " (sequence lost, fenced, or no acknowledgement within kafka.ack.timeout.ms); what they had not had acknowledged"
                + " was sent again", RelayStats::producerReplacements);
        counter(registry, "outbox.relay.transactions.committed", "Kafka transactions committed, one per batch"
                + " (delivery.guarantee=exactly-once; 0 at-least-once)", RelayStats::transactions);
        Gauge.builder("outbox.relay.lag", this, m -> m.lastEvent(e -> seconds(e.commitToAck())))
                .description("Commit-to-acknowledgement latency of the last relayed batch (NaN before the first)")
                .baseUnit("seconds").strongReference(true).register(registry);
        Gauge.builder("outbox.relay.last.event.age", this,
                        m -> m.lastEvent(e -> seconds(e.committedAt() == null ? null
                                : Duration.between(e.committedAt(), Instant.now()))))
                .description("Time since the last relayed event committed; grows while idle (NaN before the first)")
                .baseUnit("seconds").strongReference(true).register(registry);
        Gauge.builder("outbox.relay.wal.retained", slot, s -> bytes(s.get(), ReplicationSlot::walRetainedBytes))
                .description("WAL PostgreSQL keeps for the relay's slot: current LSN - restart_lsn (polled)")
                .baseUnit("bytes").strongReference(true).register(registry);
        Gauge.builder("outbox.relay.slot.lag", slot, s -> bytes(s.get(), ReplicationSlot::slotLagBytes))
                .description("WAL not yet confirmed by the relay: current LSN - confirmed_flush_lsn (polled)")
                .baseUnit("bytes").strongReference(true).register(registry);
        for (Relay.State each : Relay.State.values()) {
            Gauge.builder("outbox.relay.state", state, s -> s.get() == each ? 1 : 0)
                    .description("1 for the relay's current state, 0 for the others")
                    .tag("state", each.name()).strongReference(true).register(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    private void counter(MeterRegistry registry, String name, String description, ToLongFunction<RelayStats> value) {
        FunctionCounter.builder(name, this, m -> {
                    RelayStats s = m.stats.get();
                    return s == null ? 0 : value.applyAsLong(s);
                })
                .description(description).register(registry);
    }

    private double lastEvent(Function<RelayStats.LastEvent, Double> value) {
        RelayStats s = stats.get();
        RelayStats.LastEvent last = s == null ? null : s.lastEvent();
        return last == null ? Double.NaN : value.apply(last);
    }

    private static double seconds(Duration d) {
        return d == null ? Double.NaN : Math.max(0, d.toNanos() / 1e9);
    }

    private static double bytes(ReplicationSlot slot, Function<ReplicationSlot, Long> value) {
        Long bytes = slot == null ? null : value.apply(slot);
        return bytes == null ? Double.NaN : bytes;
    }

    @Override
    public void close() {
        gc.close();
    }
}
