package io.outboxrelay.relay.kafka;

/** Kafka refused or never acknowledged a send; the relay stops and the position is not advanced. */
public final class SendFailedException extends RuntimeException {

    public SendFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
