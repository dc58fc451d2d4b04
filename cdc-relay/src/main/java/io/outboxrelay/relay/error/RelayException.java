package io.outboxrelay.relay.error;

/**
 * An error a relay command reports as one line and an exit code, without a stack trace. Each subtype
 * fixes its exit code; the CLI maps every subtype the same way for every command, so no command
 * catches to choose a code.
 */
public abstract class RelayException extends RuntimeException {

    /** The relay, or the command's work, failed after it had started. */
    public static final int EXIT_FAILED = 1;
    /** Bad configuration or usage (picocli also returns 2 for usage errors). */
    public static final int EXIT_CONFIG = 2;
    /** Cannot start: a source the command needs is unreachable or refuses. */
    public static final int EXIT_STARTUP = 3;

    protected RelayException(String message) {
        super(message);
    }

    protected RelayException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The process exit code for this error. */
    public abstract int exitCode();

    /**
     * What is wrong and what to do, on one line: a line break brought in by a wrapped cause's message
     * (a PostgreSQL DETAIL or HINT, for example) becomes a space, so a log reader sees one record.
     */
    @Override
    public final String getMessage() {
        String message = super.getMessage();
        return message == null ? null : oneLine(message);
    }

    /** {@code text} as one line: each line break, with the blanks around it, becomes a space (a PostgreSQL DETAIL, HINT or Position line). */
    public static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
