package io.outboxrelay.relay.config;

/** The configuration cannot be used; the message names the setting and what to change. */
public final class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }
}
