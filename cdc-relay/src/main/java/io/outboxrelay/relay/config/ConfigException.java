package io.outboxrelay.relay.config;

import io.outboxrelay.relay.error.RelayException;

/** The configuration cannot be used; the message names the setting and what to change. */
public final class ConfigException extends RelayException {

    public ConfigException(String message) {
        super(message);
    }

    @Override
    public int exitCode() {
        return EXIT_CONFIG;
    }
}
