package io.outboxrelay.relay.attach;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import io.outboxrelay.relay.config.ConfigException;

/**
 * A schema-qualified table name as a user types it ({@code legacy.orders}, {@code "My Schema"."Order"}),
 * parsed by PostgreSQL's rules: unquoted names fold to lower case, quoted names keep their case and
 * {@code ""} stands for one quote. Anything else is rejected before it gets near the database; the
 * parts are then looked up as bound values and quoted by the server ({@code format('%I')}).
 */
public record TableName(String schema, String table) {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");
    private static final Pattern PLAIN_LOWER = Pattern.compile("[a-z_][a-z0-9_$]*");

    /** @throws ConfigException if {@code text} is not {@code schema.table} */
    public static TableName parse(String text) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (true) {
            StringBuilder part = new StringBuilder();
            if (i < text.length() && text.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= text.length()) {
                        throw invalid(text, "a double quote is not closed");
                    }
                    char c = text.charAt(i++);
                    if (c == '"') {
                        if (i < text.length() && text.charAt(i) == '"') {
                            part.append('"');
                            i++;
                            continue;
                        }
                        break;
                    }
                    part.append(c);
                }
                if (part.isEmpty()) {
                    throw invalid(text, "a quoted name is empty");
                }
            }
            else {
                int start = i;
                while (i < text.length() && text.charAt(i) != '.') {
                    i++;
                }
                String plain = text.substring(start, i);
                if (!PLAIN.matcher(plain).matches()) {
                    throw invalid(text, "'" + plain + "' is not a plain name (letters, digits, _ and $; put other names in double quotes)");
                }
                part.append(plain.toLowerCase(java.util.Locale.ROOT));
            }
            parts.add(part.toString());
            if (i == text.length()) {
                break;
            }
            if (text.charAt(i) != '.') {
                throw invalid(text, "unexpected text after a quoted name");
            }
            i++;
        }
        if (parts.size() != 2) {
            throw invalid(text, "expected exactly one schema and one table");
        }
        return new TableName(parts.get(0), parts.get(1));
    }

    private static ConfigException invalid(String text, String why) {
        return new ConfigException("--capture-table '" + text + "' is not schema.table: " + why
                + ", e.g. legacy.orders or \"Legacy\".\"Order Lines\"");
    }

    /** As PostgreSQL would print it: quoted only where needed (keywords aside). */
    @Override
    public String toString() {
        return quote(schema) + "." + quote(table);
    }

    private static String quote(String name) {
        return PLAIN_LOWER.matcher(name).matches() ? name : "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
