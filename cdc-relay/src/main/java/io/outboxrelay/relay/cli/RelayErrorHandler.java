package io.outboxrelay.relay.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.error.RelayException;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * The one place that turns an error into an exit code, for every command: a {@link RelayException}
 * becomes its one line, {@code error: ...} on stderr (or one ERROR log record when the JSON log format
 * is on, so that every stderr line stays one JSON object), and its own exit code. Anything else is
 * left to picocli, as before: the stack trace and exit code 1.
 */
public final class RelayErrorHandler implements IExecutionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(RelayErrorHandler.class);

    private RelayErrorHandler() {
    }

    /** Installs the handler on {@code commandLine} and every subcommand it has now; returns it. */
    public static CommandLine install(CommandLine commandLine) {
        return commandLine.setExecutionExceptionHandler(new RelayErrorHandler());
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) throws Exception {
        if (!(ex instanceof RelayException error)) {
            throw ex;
        }
        LOG.debug("Exit code {}", error.exitCode(), error);
        commandLine.getOut().flush(); // what the command printed comes before its error
        if (LogFormat.isJson()) {
            LOG.error(error.getMessage());
        }
        else {
            commandLine.getErr().println("error: " + error.getMessage());
            commandLine.getErr().flush();
        }
        return error.exitCode();
    }
}
