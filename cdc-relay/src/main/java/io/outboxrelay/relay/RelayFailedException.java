package io.outboxrelay.relay;

/** The relay stopped on its own because of an error (Kafka refused a send, the database went away...). */
public final class RelayFailedException extends RuntimeException {

    public RelayFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
