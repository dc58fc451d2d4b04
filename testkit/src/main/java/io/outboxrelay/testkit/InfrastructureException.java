package io.outboxrelay.testkit;

/** Infrastructure could not be started or used; the message says which and where. */
public class InfrastructureException extends RuntimeException {

    public InfrastructureException(String message, Throwable cause) {
        super(message, cause);
    }
}
