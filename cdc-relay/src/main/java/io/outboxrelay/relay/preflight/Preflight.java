package io.outboxrelay.relay.preflight;

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
        new DatabaseChecks(config).run();
        new KafkaChecks(config).run();
        return new PositionChecks(config).run();
    }
}
