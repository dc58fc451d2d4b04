package io.outboxrelay.relay.error;

/** What the relay's one-line errors need of an exception and its causes. */
public final class Causes {

    private Causes() {
    }

    /**
     * The first line of {@code e}'s message, without surrounding blanks (PostgreSQL appends its position, details and
     * hints on further lines); the exception's simple class name when it has no message.
     */
    public static String firstLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }

    /** Whether {@code e} or one of its causes is a {@code type}. */
    public static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** The last of {@code e}'s causes ({@code e} itself when it has none). */
    public static Throwable root(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    /**
     * {@code t}'s message (its simple class name when it has none) on one line, followed in parentheses by its root
     * cause's message when that adds something: a wrapped exception's message often leaves out what went wrong.
     */
    public static String rootMessage(Throwable t) {
        Throwable root = root(t);
        String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        if (root != t && root.getMessage() != null && !message.contains(root.getMessage())) {
            message = message + " (" + root.getMessage() + ")";
        }
        return message.replace('\n', ' ');
    }
}
