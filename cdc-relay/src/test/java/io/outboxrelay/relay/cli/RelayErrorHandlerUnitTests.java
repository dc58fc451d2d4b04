package io.outboxrelay.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.outboxrelay.relay.RelayFailedException;
import io.outboxrelay.relay.attach.RefusedException;
import io.outboxrelay.relay.config.ConfigException;
import io.outboxrelay.relay.error.RelayException;
import io.outboxrelay.relay.kafka.SendFailedException;
import io.outboxrelay.relay.ops.StatusException;
import io.outboxrelay.relay.preflight.StartupException;
import io.outboxrelay.relay.replay.ResetFailedException;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The error model in one table: every error type the commands throw, its exit code and its one line
 * on stderr, the same for every command; JSON log format on, the line is one ERROR log record instead.
 */
class RelayErrorHandlerUnitTests {

    record Outcome(int exitCode, String out, String err) {
    }

    /** A command that fails with what it is given. */
    @Command(name = "fails")
    static final class Fails implements Callable<Integer> {
        private final Exception error;

        Fails(Exception error) {
            this.error = error;
        }

        @Override
        public Integer call() throws Exception {
            throw error;
        }
    }

    static Stream<Arguments> everyErrorType() {
        return Stream.of(
                Arguments.of(new ConfigException("database.name is required: set it or RELAY_DATABASE_NAME"), 2),
                Arguments.of(new StartupException("wal_level is 'replica'; set wal_level=logical and restart"), 3),
                Arguments.of(new RefusedException("table shop.audit_log has no primary key: add one"), 3),
                Arguments.of(new StatusException("cannot read the replication slot: check database.host", null), 3),
                Arguments.of(new SendFailedException("Kafka refused a send: check the ACLs", null), 1),
                Arguments.of(new RelayFailedException("relay stopped: Kafka refused a send", null), 1),
                Arguments.of(new ResetFailedException("consumer group 'g' has running consumers: stop them", null), 1));
    }

    @ParameterizedTest
    @MethodSource("everyErrorType")
    void everyErrorTypeExitsWithItsOwnCodeAndOneLine(RelayException error, int exitCode) {
        Outcome outcome = execute(error);

        assertThat(error.exitCode()).isEqualTo(exitCode);
        assertThat(outcome.exitCode()).isEqualTo(exitCode);
        assertThat(outcome.err()).isEqualTo("error: " + error.getMessage() + System.lineSeparator());
    }

    @Test
    void exitCodesAreTheOnesTheReadmeDocuments() {
        assertThat(RelayCli.EXIT_OK).isZero();
        assertThat(RelayCli.EXIT_FAILED).isEqualTo(1);
        assertThat(RelayCli.EXIT_CONFIG).isEqualTo(2);
        assertThat(RelayCli.EXIT_STARTUP).isEqualTo(3);
    }

    @Test
    void aMessageWithLineBreaksFromItsCauseIsStillOneLine() {
        SQLException cause = new SQLException("ERROR: permission denied for table event\n  Hint: ask the owner");
        Outcome outcome = execute(new StartupException("cannot read outbox.event (" + cause.getMessage() + "): grant SELECT", cause));

        assertThat(outcome.exitCode()).isEqualTo(3);
        assertThat(outcome.err().lines()).containsExactly(
                "error: cannot read outbox.event (ERROR: permission denied for table event Hint: ask the owner): grant SELECT");
    }

    @Test
    void anUnexpectedExceptionKeepsPicocliDefaultStackTraceAndExitCode1() {
        Outcome outcome = execute(new IllegalArgumentException("a bug"));

        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.err()).contains("IllegalArgumentException: a bug").contains("\tat ");
    }

    @Test
    void withTheJsonLogFormatTheErrorIsOneErrorLogRecordAndNothingElseOnStderr() {
        List<LogEvent> events = new ArrayList<>();
        LogFormat.use("json");
        try (AutoCloseable capture = capture(events)) {
            Outcome outcome = execute(new ConfigException("database.name is required: set it or RELAY_DATABASE_NAME"));

            assertThat(outcome.exitCode()).isEqualTo(2);
            assertThat(outcome.err()).isEmpty();
            assertThat(events).filteredOn(e -> e.getLevel() == Level.ERROR)
                    .extracting(e -> e.getMessage().getFormattedMessage())
                    .containsExactly("database.name is required: set it or RELAY_DATABASE_NAME");
        }
        catch (Exception e) {
            throw new AssertionError(e);
        }
        finally {
            LogFormat.use("text");
        }
    }

    @TempDir
    Path dir;

    /** The handler is installed once, on the relay's command line, and reaches every command. */
    @ParameterizedTest
    @MethodSource("commandsReadingTheConfiguration")
    void everyRelayCommandReportsAMissingConfigurationFileWithExitCode2(List<String> args) {
        String missing = dir.resolve("missing.properties").toString();
        StringWriter err = new StringWriter();
        CommandLine cli = RelayCli.commandLine(Map.of());
        cli.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(args);
        all.add(missing);

        int code = cli.execute(all.toArray(String[]::new));

        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString().lines()).containsExactly("error: configuration file " + missing + " does not exist");
    }

    @Test
    void replayThatCannotBuildItsKafkaClientExitsWith3AndReadsNoFurther() throws Exception {
        Path client = dir.resolve("client.properties");
        Files.writeString(client, "security.protocol=SSL\nssl.truststore.location=" + dir.resolve("none.p12")
                + "\nssl.truststore.password=changeit\n");
        StringWriter err = new StringWriter();
        CommandLine cli = RelayCli.commandLine(Map.of());
        cli.setErr(new PrintWriter(err));

        int code = cli.execute("replay", "--bootstrap-servers", "127.0.0.1:9", "--command-config", client.toString(),
                "--group", "g", "--topic", "t", "--to-earliest");

        assertThat(code).as(err.toString()).isEqualTo(3);
        assertThat(err.toString().lines()).singleElement().asString().startsWith("error: cannot use Kafka at 127.0.0.1:9: ");
    }

    @Test
    void replayWithAnUnreadableCommandConfigExitsWith2() {
        Path client = dir.resolve("missing-client.properties");
        StringWriter err = new StringWriter();
        CommandLine cli = RelayCli.commandLine(Map.of());
        cli.setErr(new PrintWriter(err));

        int code = cli.execute("replay", "--bootstrap-servers", "127.0.0.1:9", "--command-config", client.toString(),
                "--group", "g", "--topic", "t", "--to-earliest");

        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString().startsWith("error: cannot read --command-config " + client);
    }

    static Stream<List<String>> commandsReadingTheConfiguration() {
        return Stream.of(List.of("run", "--config"), List.of("status", "--config"), List.of("attach", "--config"),
                List.of("detach", "--config"),
                List.of("replay", "--group", "g", "--topic", "t", "--to-earliest", "--config"));
    }

    private static Outcome execute(Exception error) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = RelayErrorHandler.install(new CommandLine(new Fails(error)));
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute();
        return new Outcome(code, out.toString(), err.toString());
    }

    /** Adds an appender for every log event until closed; after {@link LogFormat#use}, which reloads the configuration. */
    private static AutoCloseable capture(List<LogEvent> events) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration configuration = context.getConfiguration();
        AbstractAppender appender = new AbstractAppender("error-handler-test", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                events.add(event.toImmutable());
            }
        };
        appender.start();
        configuration.getRootLogger().addAppender(appender, Level.ALL, null);
        context.updateLoggers();
        return () -> {
            configuration.getRootLogger().removeAppender(appender.getName());
            context.updateLoggers();
            appender.stop();
        };
    }
}
