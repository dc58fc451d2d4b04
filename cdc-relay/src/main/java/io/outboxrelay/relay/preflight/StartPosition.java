package io.outboxrelay.relay.preflight;

import java.util.Map;

/**
 * Where the relay starts, as the pre-flight check decided: normally where its saved position says;
 * after a gap, only as {@code recovery.resend.since} or {@code recovery.accept.gap} ask, expressed
 * as the Debezium settings that differ from a plain resume.
 *
 * @param debeziumOverrides connector settings that win over every other for this start only
 */
public record StartPosition(Map<String, String> debeziumOverrides) {

    /** Resume from the saved position (or, without one, from the slot or a new slot). */
    static final StartPosition RESUME = new StartPosition(Map.of());

    public StartPosition {
        debeziumOverrides = Map.copyOf(debeziumOverrides);
    }

    /** This position with {@code settings} added where it does not say otherwise (what the server calls for). */
    StartPosition withDefaults(Map<String, String> settings) {
        Map<String, String> merged = new java.util.HashMap<>(settings);
        merged.putAll(debeziumOverrides);
        return new StartPosition(merged);
    }
}
