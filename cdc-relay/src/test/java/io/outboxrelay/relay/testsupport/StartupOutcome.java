package io.outboxrelay.relay.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.cli.RelayCli;

import picocli.CommandLine;

/** What {@code relay run --config FILE} printed on stderr and returned, run in this JVM. */
public record StartupOutcome(int exitCode, String stderr) {

    public static StartupOutcome run(Path dir, Properties props) throws IOException {
        Path file = Files.createTempFile(dir, "relay", ".properties");
        try (Writer w = Files.newBufferedWriter(file)) {
            props.store(w, null);
        }
        StringWriter err = new StringWriter();
        CommandLine cli = RelayCli.commandLine();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("run", "--config", file.toString());
        LoggerFactory.getLogger(StartupOutcome.class).info("relay run exited with {}, stderr: {}", code, err.toString().strip());
        return new StartupOutcome(code, err.toString());
    }

    /** Exactly one line, {@code error: ...}, no stack trace, containing every fragment; returns the line. */
    public String assertOneLine(int expectedExitCode, String... fragments) {
        assertThat(exitCode).as(stderr).isEqualTo(expectedExitCode);
        assertThat(stderr.lines()).as("exactly one line").hasSize(1);
        String line = stderr.strip();
        assertThat(line).startsWith("error: ").doesNotContain("Exception").doesNotContain("\tat ");
        for (String fragment : fragments) {
            assertThat(line).contains(fragment);
        }
        return line;
    }
}
