package io.outboxrelay.relay;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** What the relay has had acknowledged by Kafka since it started, and what went wrong. */
public final class RelayStats {

    /**
     * The last outbox row Kafka acknowledged (on its topic or the dead-letter topic).
     *
     * @param eventId its event_id, null if the row had none
     * @param committedAt when its transaction committed in PostgreSQL (Debezium's source.ts_ms), by the
     *                    database's clock; null if unknown
     * @param acknowledgedAt when Kafka's acknowledgement arrived, by the relay's clock
     */
    public record LastEvent(String eventId, Instant committedAt, Instant acknowledgedAt) {

        /** Commit-to-acknowledgement latency; null when the commit time is unknown. */
        public Duration commitToAck() {
            return committedAt == null ? null : Duration.between(committedAt, acknowledgedAt);
        }
    }

    private final AtomicLong relayed = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong producerReplacements = new AtomicLong();
    private volatile LastEvent lastEvent;
    private final AtomicLong transactions = new AtomicLong();
    private volatile Instant lastTransactionAt;
    private final RecentEvents recent = new RecentEvents();

    public void recordRelayed(boolean deadLetter) {
        (deadLetter ? deadLettered : relayed).incrementAndGet();
    }

    /** Called once per batch with its last acknowledged row. */
    public void recordLastEvent(LastEvent event) {
        lastEvent = event;
    }

    /** A Kafka transaction of a batch committed at {@code at} (exactly-once). */
    public void recordTransaction(Instant at) {
        transactions.incrementAndGet();
        lastTransactionAt = at;
    }

    /** Kafka transactions committed since the start (exactly-once; 0 at-least-once). */
    public long transactions() {
        return transactions.get();
    }

    /** @return when the last Kafka transaction committed; null before the first, and at-least-once */
    public Instant lastTransactionAt() {
        return lastTransactionAt;
    }

    /** A send Kafka refused, or the engine failing: each stops the relay. */
    public void recordError() {
        errors.incrementAndGet();
    }

    /** The relay replaced a Kafka producer that could not go on (and sent again what it had not acknowledged). */
    public void recordProducerReplaced() {
        producerReplacements.incrementAndGet();
    }

    public long producerReplacements() {
        return producerReplacements.get();
    }

    /** Events acknowledged on their own topic. */
    public long relayed() {
        return relayed.get();
    }

    /** Rows acknowledged on the dead-letter topic. */
    public long deadLettered() {
        return deadLettered.get();
    }

    public long errors() {
        return errors.get();
    }

    /** The last events and dead letters Kafka acknowledged, for the console. */
    public RecentEvents recent() {
        return recent;
    }

    /** @return null until the first row was acknowledged */
    public LastEvent lastEvent() {
        return lastEvent;
    }
}
