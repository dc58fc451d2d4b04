package io.outboxrelay.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;

import org.junit.jupiter.api.Test;

import io.outboxrelay.relay.cli.RelayErrorHandler;

import picocli.CommandLine;
import picocli.CommandLine.Command;

class PipelineErrorsUnitTests {

    @Command(name = "failing")
    static final class Failing implements Runnable {
        static RuntimeException error;

        @Override
        public void run() {
            throw error;
        }
    }

    @Test
    void aLoginPostgresRefusesAnywhereInTheCausesIsOneLineAndExitThreeWithoutItsPassword() {
        // as HikariCP wraps it: PoolInitializationException(PSQLException 28P01)
        Failing.error = new IllegalStateException("Failed to initialize pool: FATAL: password authentication failed",
                new SQLException("FATAL: password authentication failed for user \"postgres\"\n  Where: somewhere", "28P01"));
        Outcome outcome = run();

        assertThat(outcome.exit).isEqualTo(PipelineErrors.EXIT_UNREACHABLE);
        assertThat(outcome.err).isEqualTo("error: cannot use PostgreSQL: FATAL: password authentication failed for user"
                + " \"postgres\" (SQLState 28P01): check --postgres, --postgres-user and PGPASSWORD\n");
    }

    @Test
    void anUnreachableKafkaIsOneLineAndExitThree() {
        Failing.error = new PipelineErrors.UnreachableException("no Kafka broker at nowhere:9092 answered within 30 s: check --kafka",
                null);
        Outcome outcome = run();

        assertThat(outcome.exit).isEqualTo(3);
        assertThat(outcome.err).isEqualTo("error: no Kafka broker at nowhere:9092 answered within 30 s: check --kafka\n");
    }

    @Test
    void anyOtherErrorIsLeftToTheHandlerBefore() {
        Failing.error = new IllegalStateException("a bug");
        Outcome outcome = run();

        assertThat(outcome.exit).isEqualTo(1);
        assertThat(outcome.err).contains("java.lang.IllegalStateException: a bug").contains("\tat ");
    }

    private record Outcome(int exit, String err) {
    }

    private static Outcome run() {
        StringWriter err = new StringWriter();
        CommandLine cli = PipelineErrors.install(RelayErrorHandler.install(new CommandLine(new Failing())))
                .setErr(new PrintWriter(err, true));
        int exit = cli.execute();
        return new Outcome(exit, err.toString().replace(System.lineSeparator(), "\n"));
    }
}
