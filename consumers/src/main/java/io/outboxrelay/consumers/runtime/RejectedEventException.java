package io.outboxrelay.consumers.runtime;

/**
 * Thrown by a handler for an event it can never apply, however often it is retried (a payload
 * that breaks the event contract). The runtime sends the record to the dead-letter topic with
 * this message as the reason, and goes on with the next record.
 */
public class RejectedEventException extends RuntimeException {

    public RejectedEventException(String message) {
        super(message);
    }

    public RejectedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
