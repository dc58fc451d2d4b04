package io.outboxrelay.relay.replay;

import io.outboxrelay.relay.error.RelayException;

/** Kafka refused or failed to reset a consumer group (running consumers, a missing topic); the message says what to do. */
public final class ResetFailedException extends RelayException {

    public ResetFailedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return EXIT_FAILED;
    }
}
