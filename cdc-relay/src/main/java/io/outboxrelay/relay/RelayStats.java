package io.outboxrelay.relay;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of what the relay has had acknowledged by Kafka since it started. */
public final class RelayStats {

    private final AtomicLong relayed = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();

    public void recordRelayed(boolean deadLetter) {
        (deadLetter ? deadLettered : relayed).incrementAndGet();
    }

    /** Events acknowledged on their own topic. */
    public long relayed() {
        return relayed.get();
    }

    /** Rows acknowledged on the dead-letter topic. */
    public long deadLettered() {
        return deadLettered.get();
    }
}
