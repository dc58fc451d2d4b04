package io.outboxrelay.faults;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.outboxrelay.relay.cli.RelayCli;

/**
 * {@code relay run --config FILE} as a child JVM, the way an operator runs it: its output goes to a log
 * file, SIGKILL and SIGTERM are real signals, and the exit code is what a supervisor would see.
 */
final class RelayProcess {

    private static final String RUNNING = "Relay state RUNNING";

    private final Process process;
    private final Path log;

    private RelayProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts the relay; returns at once. */
    static RelayProcess launch(Path config, Map<String, String> environment, Path log) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), RelayCli.class.getName(), "run", "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        try {
            return new RelayProcess(builder.start(), log);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot start the relay", e);
        }
    }

    /**
     * Waits until the relay streams (it logs {@code RUNNING} once its slot is active).
     *
     * @throws AssertionError if it exits first, with its log
     */
    RelayProcess awaitRunning(Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("relay exited with " + process.exitValue() + " before running:\n" + log());
            }
            return log().contains(RUNNING);
        });
        return this;
    }

    /** SIGKILL: no shutdown hook, nothing flushed, no position saved. */
    void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** SIGTERM: the relay stops gracefully. @return its exit code */
    int terminate(Duration timeout) {
        process.destroy();
        return awaitExit(timeout).orElseThrow(() -> new AssertionError("relay did not stop within " + timeout
                + " after SIGTERM:\n" + log()));
    }

    /** @return the exit code, or empty if it still runs after {@code timeout} */
    Optional<Integer> awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? Optional.of(process.exitValue())
                    : Optional.empty();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** The one-line errors it printed ({@code error: ...}). */
    List<String> errorLines() {
        return log().lines().filter(line -> line.startsWith("error: ")).toList();
    }

    String log() {
        try {
            return Files.readString(log);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills it if it still runs (end of a failed scenario). */
    void destroy() {
        if (process.isAlive()) {
            kill();
        }
    }
}
