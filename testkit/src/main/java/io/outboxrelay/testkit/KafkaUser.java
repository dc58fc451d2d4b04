package io.outboxrelay.testkit;

import java.util.Objects;

/** A SASL/SCRAM user of a test broker. {@link #toString()} never shows the password. */
public record KafkaUser(String name, String password) {

    public KafkaUser {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(password, "password");
        if (name.isBlank() || name.contains(",") || name.contains("=")) {
            throw new IllegalArgumentException("a SCRAM user name may not be blank or contain ',' or '=': " + name);
        }
    }

    /** The principal Kafka's authorizer sees for this user, e.g. {@code User:relay}. */
    public String principal() {
        return "User:" + name;
    }

    @Override
    public String toString() {
        return "KafkaUser[" + name + "]";
    }
}
