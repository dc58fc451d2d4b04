package io.outboxrelay.relay.preflight;

import java.util.Map;

import io.outboxrelay.relay.config.RelayConfig;

/** Everything the relay checks before it starts streaming; each failure is one actionable line. */
public final class Preflight {

    private Preflight() {
    }

    /**
     * @return where to start: from the saved position, or as the recovery settings ask after a gap
     * @throws StartupException naming the first problem found and what to do about it
     */
    public static StartPosition check(RelayConfig config) {
        Map<String, String> server = new DatabaseChecks(config).run(true);
        new KafkaChecks(config).run();
        return new PositionChecks(config).run().withDefaults(server);
    }

    /**
     * What a standby checks before it waits: everything but who holds the slot and where to start,
     * which can only be told at take-over ({@link #check}). A standby that could never start says so
     * at once rather than at its first take-over, and the clients it takes over with are warm.
     *
     * @throws StartupException naming the first problem found and what to do about it
     */
    public static void checkBeforeStandingBy(RelayConfig config) {
        new DatabaseChecks(config).run(false);
        new KafkaChecks(config).run();
    }
}
