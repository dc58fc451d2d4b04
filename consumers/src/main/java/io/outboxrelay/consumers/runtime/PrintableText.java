package io.outboxrelay.consumers.runtime;

/**
 * Text taken from a record (a header value quoted in a dead-letter reason, an error message that
 * quotes a payload) made fit for a log line and a dead-letter header: control, format and separator
 * characters are escaped (a newline in an event type would otherwise forge log lines, a bidi override
 * would reorder them), and the length is bounded (an event type can be megabytes long, and a dead
 * letter that quotes it twice may no longer fit its topic).
 */
final class PrintableText {

    private PrintableText() {
    }

    /**
     * @param maxChars the escaped text is cut after this many characters, and says how many more there were
     */
    static String of(String text, int maxChars) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), maxChars) + 32);
        int i = 0;
        while (i < text.length() && out.length() < maxChars) {
            int c = text.codePointAt(i);
            appendEscaped(out, c);
            i += Character.charCount(c);
        }
        if (i < text.length()) {
            out.append("... (").append(text.length() - i).append(" more characters)");
        }
        return out.toString();
    }

    private static void appendEscaped(StringBuilder out, int c) {
        switch (c) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
                int type = Character.getType(c);
                if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.SURROGATE
                        || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
                    out.append(String.format("\\u%04x", c));
                } else {
                    out.appendCodePoint(c);
                }
            }
        }
    }
}
