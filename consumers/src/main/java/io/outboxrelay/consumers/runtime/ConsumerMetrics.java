package io.outboxrelay.consumers.runtime;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The runtime's Micrometer meters, all tagged with the consumer group (the lag gauges, per partition,
 * are kept by ConsumerLag). In Prometheus, counters end in {@code _total}: {@code consumer_events_total}.
 */
public final class ConsumerMetrics {

    /** Records sent to the dead-letter topic. Alert on any increase: each one is an event nobody applied. */
    public static final String DEAD_LETTERS = "consumer.dead_letters";
    /** Records taken past, by {@code outcome}: handled, duplicate (already processed), ignored. */
    public static final String EVENTS = "consumer.events";
    /** Transactions retried after a transient SQL error. */
    public static final String RETRIES = "consumer.retries";
    /** Records applied per database transaction (a poll's batch, or part of it after a rejected event split it). */
    public static final String BATCH_SIZE = "consumer.batch.size";
    /** Time from a batch's transaction start to its commit, dead letters of rejected events included. */
    public static final String TRANSACTION_TIME = "consumer.transaction";
    /**
     * Records not yet applied, per assigned partition (tags group, topic, partition): end offset minus
     * position after the last batch. Definition in ConsumerLag.
     */
    public static final String LAG_EVENTS = "consumer.lag.events";
    /**
     * Seconds behind, per assigned partition: 0 when caught up, else the age of the last applied record
     * (or of the last moment caught up, if later). Definition in ConsumerLag.
     */
    public static final String LAG_SECONDS = "consumer.lag.seconds";
    public static final String GROUP_TAG = "group";
    public static final String TOPIC_TAG = "topic";
    public static final String PARTITION_TAG = "partition";
    public static final String OUTCOME_TAG = "outcome";

    private final Counter deadLetters;
    private final Counter handled;
    private final Counter duplicates;
    private final Counter ignored;
    private final Counter retries;
    private final DistributionSummary batchSize;
    private final Timer transactionTime;

    ConsumerMetrics(MeterRegistry registry, String group) {
        deadLetters = registry.counter(DEAD_LETTERS, GROUP_TAG, group);
        handled = registry.counter(EVENTS, GROUP_TAG, group, OUTCOME_TAG, "handled");
        duplicates = registry.counter(EVENTS, GROUP_TAG, group, OUTCOME_TAG, "duplicate");
        ignored = registry.counter(EVENTS, GROUP_TAG, group, OUTCOME_TAG, "ignored");
        retries = registry.counter(RETRIES, GROUP_TAG, group);
        batchSize = DistributionSummary.builder(BATCH_SIZE).tag(GROUP_TAG, group).baseUnit("records").register(registry);
        transactionTime = Timer.builder(TRANSACTION_TIME).tag(GROUP_TAG, group).register(registry);
    }

    void batch(int records, long nanos) {
        batchSize.record(records);
        transactionTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    void deadLettered() {
        deadLetters.increment();
    }

    void handled() {
        handled.increment();
    }

    void duplicate() {
        duplicates.increment();
    }

    void ignored() {
        ignored.increment();
    }

    void retried() {
        retries.increment();
    }
}
