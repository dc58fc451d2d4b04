package io.outboxrelay.relay.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Which topics the relay creates with {@code cleanup.policy=compact}: event topics whose whole name
 * matches {@code topic.compact.pattern}. The dead-letter topic only when the expression names it
 * literally (one of its top-level alternatives is that name, '.' escaped or not, or quoted with
 * {@code \Q...\E}), never through a wildcard: in a compacted dead-letter topic, dead letters with the
 * same key replace each other, which is rarely what a pattern like {@code outbox\..*} meant.
 */
public final class TopicCompaction implements Predicate<String> {

    private static final String NOT_LITERAL = "*+?[](){}|^$";

    private final Pattern pattern;
    private final String deadLetterTopic;
    private final boolean deadLetterNamed;

    private TopicCompaction(Pattern pattern, String deadLetterTopic, boolean deadLetterNamed) {
        this.pattern = pattern;
        this.deadLetterTopic = deadLetterTopic;
        this.deadLetterNamed = deadLetterNamed;
    }

    /** @param regex a valid Java regular expression (validated with the configuration); empty: nothing compacted */
    public static TopicCompaction of(String regex, String deadLetterTopic) {
        if (regex == null || regex.isBlank()) {
            return new TopicCompaction(null, deadLetterTopic, false);
        }
        Pattern pattern = Pattern.compile(regex);
        boolean named = alternatives(regex).stream().anyMatch(a -> deadLetterTopic.equals(literal(a)))
                && pattern.matcher(deadLetterTopic).matches();
        return new TopicCompaction(pattern, deadLetterTopic, named);
    }

    /** Whether a topic the relay creates gets cleanup.policy=compact. */
    @Override
    public boolean test(String topic) {
        if (pattern == null) {
            return false;
        }
        return topic.equals(deadLetterTopic) ? deadLetterNamed : pattern.matcher(topic).matches();
    }

    /** The expression split at its top-level '|' (outside groups, classes and escapes). */
    static List<String> alternatives(String regex) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        boolean inClass = false;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (quoted) {
                if (regex.startsWith("\\E", i)) {
                    quoted = false;
                    i++;
                }
            }
            else if (c == '\\') {
                quoted = regex.startsWith("\\Q", i);
                i++;
            }
            else if (inClass) {
                inClass = c != ']';
            }
            else if (c == '[') {
                inClass = true;
            }
            else if (c == '(') {
                depth++;
            }
            else if (c == ')') {
                depth--;
            }
            else if (c == '|' && depth == 0) {
                out.add(regex.substring(start, i));
                start = i + 1;
            }
        }
        out.add(regex.substring(start));
        return out;
    }

    /** The name an alternative spells out character by character, or null if it uses any wildcard but '.'. */
    static String literal(String alternative) {
        String a = alternative.startsWith("^") ? alternative.substring(1) : alternative;
        a = a.endsWith("$") && !a.endsWith("\\$") ? a.substring(0, a.length() - 1) : a;
        if (a.startsWith("\\Q") && a.endsWith("\\E") && a.length() >= 4) {
            String inner = a.substring(2, a.length() - 2);
            return inner.contains("\\E") ? null : inner;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            if (c == '\\') {
                if (i + 1 >= a.length() || Character.isLetterOrDigit(a.charAt(i + 1))) {
                    return null; // \d, \w, \Q in the middle, back-references: not a plain name
                }
                out.append(a.charAt(++i));
            }
            else if (NOT_LITERAL.indexOf(c) >= 0) {
                return null;
            }
            else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
