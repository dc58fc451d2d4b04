package io.outboxrelay.consumers.runtime;

/**
 * Thrown by a handler for an event it can never apply, however often it is retried (a payload
 * that breaks the event contract). The runtime rolls the batch's transaction back, sends the record to
 * the dead-letter topic with this message as the reason, and applies the rest of the batch without it.
 */
public class RejectedEventException extends RuntimeException {

    private transient Event event;

    public RejectedEventException(String message) {
        super(message);
    }

    public RejectedEventException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The event rejected, when the thrower or the runtime's per-event adapter knows it; null otherwise. */
    public Event event() {
        return event;
    }

    /** Names the rejected event (unless already named); returns this exception. */
    public RejectedEventException of(Event rejected) {
        if (event == null) {
            event = rejected;
        }
        return this;
    }
}
