package io.outboxrelay.faults;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How many faults each scenario injects and how hard the load pushes. The normal build runs the quick
 * sizes (a fault or two per scenario, small loads); {@code -Dfaults.full=true} (the Maven profile
 * {@code faults}) runs 20 faults per scenario.
 *
 * @param full                 whether these are the full sizes
 * @param kills                scenario 1: SIGKILLs of the relay
 * @param gracefulRestarts     scenario 2: SIGTERM followed by a start
 * @param databaseFaults       scenario 3: PostgreSQL crash-restarts and terminated WAL senders, alternating
 * @param kafkaOutages         scenario 4: broker outages longer than the producer's delivery timeout
 * @param eventsPerSecond      the steady load's target rate
 * @param minGap               shortest time between two faults (random in [minGap, 2 * minGap])
 * @param deliveryTimeout      scenario 4: the relay's kafka.producer.delivery.timeout.ms
 * @param bigTransactionRows   scenario 1: rows of the one big transaction the relay is killed in
 */
record Sizes(boolean full, int kills, int gracefulRestarts, int databaseFaults, int kafkaOutages, int eventsPerSecond,
             Duration minGap, Duration deliveryTimeout, int bigTransactionRows) {

    static final String FULL_PROPERTY = "faults.full";

    static Sizes current() {
        return Boolean.getBoolean(FULL_PROPERTY) ? fullSizes() : quickSizes();
    }

    static Sizes quickSizes() {
        // one kill, in a big transaction with another one open; a smaller big transaction than the full run's
        return new Sizes(false, 1, 1, 2, 1, 100, Duration.ofMillis(500), Duration.ofSeconds(6), 3_000);
    }

    static Sizes fullSizes() {
        return new Sizes(true, 20, 20, 20, 20, 300, Duration.ofSeconds(2), Duration.ofSeconds(15), 10_000);
    }

    /** The producer's request timeout: delivery.timeout.ms must be at least linger.ms + request.timeout.ms. */
    Duration requestTimeout() {
        return deliveryTimeout.dividedBy(3);
    }

    /**
     * Relay settings for the whole suite. Scenario 4 needs sends to fail within an outage of seconds, not the
     * default two minutes: delivery.timeout.ms and request.timeout.ms, and max.block.ms as long as the delivery
     * timeout (a send may wait that long for metadata), all through kafka.producer.* as an operator would set them.
     * The quick variant also shortens Debezium's offset.flush.timeout.ms and the heartbeat, which bound how long the
     * relay takes to notice it cannot save its position (its stall watchdog); the full run keeps their defaults.
     */
    Map<String, String> relaySettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("kafka.producer.delivery.timeout.ms", String.valueOf(deliveryTimeout.toMillis()));
        settings.put("kafka.producer.request.timeout.ms", String.valueOf(requestTimeout().toMillis()));
        settings.put("kafka.producer.max.block.ms", String.valueOf(deliveryTimeout.toMillis()));
        if (!full) {
            settings.put("debezium.offset.flush.timeout.ms", "5000");
            settings.put("heartbeat.interval.ms", "2000");
        }
        return settings;
    }

    /** How long scenario 4 keeps the broker down: longer than the delivery timeout, so that sends fail. */
    Duration kafkaDowntime() {
        return deliveryTimeout.plusSeconds(full ? 5 : 3);
    }
}
