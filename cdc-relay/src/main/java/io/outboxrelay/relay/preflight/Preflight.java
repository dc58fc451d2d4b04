package io.outboxrelay.relay.preflight;

import io.outboxrelay.relay.config.RelayConfig;

/** Everything the relay checks before it starts streaming; each failure is one actionable line. */
public final class Preflight {

    private Preflight() {
    }

    /** @throws StartupException naming the first problem found and what to do about it */
    public static void check(RelayConfig config) {
        new DatabaseChecks(config).run();
        new KafkaChecks(config).run();
    }
}
