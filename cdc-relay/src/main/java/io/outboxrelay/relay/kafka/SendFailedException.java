package io.outboxrelay.relay.kafka;

import io.outboxrelay.relay.error.RelayException;

/** Kafka refused or never acknowledged a send; the relay stops and the position is not advanced. */
public final class SendFailedException extends RelayException {

    public SendFailedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return EXIT_FAILED;
    }
}
