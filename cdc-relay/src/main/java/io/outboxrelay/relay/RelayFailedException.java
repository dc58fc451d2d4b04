package io.outboxrelay.relay;

import io.outboxrelay.relay.error.RelayException;

/** The relay stopped on its own because of an error (Kafka refused a send, the database went away...). */
public final class RelayFailedException extends RelayException {

    public RelayFailedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return EXIT_FAILED;
    }
}
