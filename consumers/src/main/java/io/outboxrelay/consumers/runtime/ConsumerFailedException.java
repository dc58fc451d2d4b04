package io.outboxrelay.consumers.runtime;

/**
 * The consumer stopped because it could not go on without losing or skipping a record: the
 * database stayed unreachable through every retry, a handler failed in a way that is not the
 * event's fault, or Kafka did not acknowledge a dead letter. The offset of that record was not
 * committed, so a restarted consumer reads it again.
 */
public final class ConsumerFailedException extends RuntimeException {

    public ConsumerFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
