package io.outboxrelay.sql;

import java.util.regex.Pattern;

/**
 * Kafka's rule for topic names and the event contract's topic pattern placeholder: the one definition the relay's
 * configuration and router and the consumers' settings check names against.
 */
public final class TopicNames {

    /** Kafka's longest topic name. */
    public static final int MAX_LENGTH = 249;
    /** The rule's characters and length in words, for messages. */
    public static final String CHARACTERS = "letters, digits, '.', '_', '-'; at most " + MAX_LENGTH;
    /** The rule in words, for messages. */
    public static final String RULE = "a Kafka topic name (" + CHARACTERS + ")";
    /** In a topic pattern, replaced by the outbox row's aggregate_type. */
    public static final String AGGREGATE_TYPE = "${aggregateType}";

    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1," + MAX_LENGTH + "}");

    private TopicNames() {
    }

    /** Whether Kafka accepts {@code name} as a topic name ('.' and '..' it refuses, though their characters are legal). */
    public static boolean isLegal(String name) {
        return name != null && LEGAL.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    /** The topic {@code pattern} gives for {@code aggregateType}; check it with {@link #isLegal}. */
    public static String forAggregateType(String pattern, String aggregateType) {
        return pattern.replace(AGGREGATE_TYPE, aggregateType);
    }
}
