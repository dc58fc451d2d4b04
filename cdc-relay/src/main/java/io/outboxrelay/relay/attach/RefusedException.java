package io.outboxrelay.relay.attach;

import io.outboxrelay.relay.error.RelayException;

/**
 * The database cannot be attached or detached as asked: it is unreachable, lacks something, or the
 * change would lose events. The message is one line saying what is wrong and what to do.
 */
public final class RefusedException extends RelayException {

    public RefusedException(String message) {
        super(message);
    }

    public RefusedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return EXIT_STARTUP;
    }
}
