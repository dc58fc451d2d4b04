package io.outboxrelay.relay.ops;

/** {@code relay status} cannot read a source it needs (PostgreSQL or Kafka); the message is one actionable line. */
public final class StatusException extends RuntimeException {

    public StatusException(String message, Throwable cause) {
        super(message, cause);
    }
}
