package io.outboxrelay.relay.ops;

import io.outboxrelay.relay.error.RelayException;

/**
 * {@code relay status} cannot read a source it needs (PostgreSQL or Kafka), or the relay's replication slot does not
 * exist; the message is one actionable line.
 */
public final class StatusException extends RelayException {

    public StatusException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return EXIT_STARTUP;
    }
}
