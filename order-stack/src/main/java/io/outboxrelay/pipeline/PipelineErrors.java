package io.outboxrelay.pipeline;

import java.sql.SQLException;

import io.outboxrelay.relay.error.RelayException;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;

/**
 * How the pipeline's commands end on an error a user can fix: PostgreSQL unreachable or refusing the login (a wrong
 * PGPASSWORD, a database that does not exist) and Kafka unreachable are one line and exit code 3, like the relay's
 * start-up errors, instead of a stack trace; everything else goes to the handler installed before (the relay's one
 * line for its own errors, else picocli's stack trace and 1).
 */
public final class PipelineErrors {

    /** Exit code of an error in what the command was pointed at (PostgreSQL, Kafka), as the relay's start-up errors. */
    public static final int EXIT_UNREACHABLE = 3;

    private PipelineErrors() {
    }

    /** An error a pipeline command reports as one line: what is wrong and what to do. */
    public static final class UnreachableException extends RuntimeException {
        public UnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Wraps {@code commandLine}'s execution exception handler; returns it. */
    public static CommandLine install(CommandLine commandLine) {
        IExecutionExceptionHandler before = commandLine.getExecutionExceptionHandler();
        return commandLine.setExecutionExceptionHandler((ex, cl, parseResult) -> {
            String line = ex instanceof UnreachableException u ? u.getMessage() : postgresProblem(ex);
            if (line == null) {
                return before.handleExecutionException(ex, cl, parseResult);
            }
            cl.getOut().flush();
            cl.getErr().println("error: " + RelayException.oneLine(line));
            cl.getErr().flush();
            return EXIT_UNREACHABLE;
        });
    }

    /** One line for a connection or login refused by PostgreSQL anywhere in the causes, else null. */
    static String postgresProblem(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException e && e.getSQLState() != null
                    && (e.getSQLState().startsWith("08") || e.getSQLState().startsWith("28") || e.getSQLState().equals("3D000"))) {
                String first = e.getMessage() == null ? e.getSQLState() : e.getMessage().lines().findFirst().orElse("");
                return "cannot use PostgreSQL: " + first + " (SQLState " + e.getSQLState()
                        + "): check --postgres, --postgres-user and PGPASSWORD";
            }
        }
        return null;
    }
}
