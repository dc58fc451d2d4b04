package io.outboxrelay.relay.attach;

/**
 * The database cannot be attached or detached as asked: it is unreachable, lacks something, or the
 * change would lose events. The message is one line saying what is wrong and what to do.
 */
public final class RefusedException extends RuntimeException {

    public RefusedException(String message) {
        super(message);
    }

    public RefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
