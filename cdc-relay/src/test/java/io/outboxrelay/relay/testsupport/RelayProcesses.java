package io.outboxrelay.relay.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.outboxrelay.relay.cli.RelayCli;

/** {@code relay run} as a child process on this test's class path, and what its log says. */
public final class RelayProcesses {

    private static final Pattern HTTP_PORT = Pattern.compile("Metrics, health and status on http://[^:]+:(\\d+)");

    private RelayProcesses() {
    }

    /** Starts {@code relay run --config config}, stdout and stderr to {@code log}. */
    public static Process start(Path config, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
                RelayCli.class.getName(), "run", "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    /** Whether the log holds {@code text}; fails, with the log, when the process has exited. */
    public static boolean logged(Process process, Path log, String text) throws IOException {
        if (!process.isAlive()) {
            throw new AssertionError("relay exited with " + process.exitValue() + ":\n" + Files.readString(log));
        }
        return Files.readString(log).contains(text);
    }

    /** The port the relay's HTTP endpoint logged (http.port=0 picks one). */
    public static int httpPort(Path log) throws IOException {
        Matcher m = HTTP_PORT.matcher(Files.readString(log));
        assertThat(m.find()).as("the relay logs its HTTP port").isTrue();
        return Integer.parseInt(m.group(1));
    }
}
