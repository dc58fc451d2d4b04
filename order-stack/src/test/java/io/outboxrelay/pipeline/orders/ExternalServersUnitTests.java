package io.outboxrelay.pipeline.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.outboxrelay.pipeline.PipelineCli;

import picocli.CommandLine;

/** The options naming an existing PostgreSQL and Kafka (setup, consumers, orders), as a user types them. */
class ExternalServersUnitTests {

    @Test
    void consumersWithoutKafkaIsAUsageErrorWhileSetupAndOrdersDoNotNeedIt() {
        StringWriter err = new StringWriter();
        PrintStream original = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = new CommandLine(new PipelineCli()).setErr(new PrintWriter(err)).execute("consumers", "--postgres", "db:5432");
        }
        finally {
            System.setErr(original);
        }
        assertThat(exit).isEqualTo(2);
        // contains, not equals: the first logger of this test JVM may print SLF4J's start-up lines to the same stream
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("error: consumers needs --kafka BOOTSTRAP (the Kafka the relays write to)" + System.lineSeparator())
                .doesNotContain("\tat ");
        for (String command : new String[] {"setup", "orders"}) {
            CommandLine.ParseResult parsed = new CommandLine(new PipelineCli()).parseArgs(command, "--postgres", "db:5432");
            assertThat(parsed.subcommand().hasMatchedOption("--kafka")).as(command).isFalse();
        }
    }

    @Test
    void aBadPostgresAddressIsAUsageErrorNamingTheOptionNotAStackTrace() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new PipelineCli()).setErr(new PrintWriter(err));
        int exit = cli.execute("consumers", "--postgres", "db:abc", "--kafka", "kafka:9092");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--postgres'")
                .contains("'db:abc' is not HOST or HOST:PORT (e.g. db:5432): the port must be a number from 1 to 65535")
                .doesNotContain("at io.outboxrelay");
    }
}
