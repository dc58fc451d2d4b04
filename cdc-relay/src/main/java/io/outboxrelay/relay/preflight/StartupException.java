package io.outboxrelay.relay.preflight;

import io.outboxrelay.relay.error.RelayException;

/**
 * The relay cannot start. The message is one line that says what is wrong and what to do; the
 * CLI prints it as it is, without a stack trace.
 */
public final class StartupException extends RelayException {

    public StartupException(String message) {
        super(message);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return EXIT_STARTUP;
    }
}
