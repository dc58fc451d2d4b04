package io.outboxrelay.relay.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where this test run's logs go (target/test-logs): the failsafe JVM's own log and child relays' output. */
public final class TestRunLogs {

    private TestRunLogs() {
    }

    public static Path directory() {
        Path dir = Path.of(System.getProperty("test.log.dir", "target/test-logs"));
        try {
            return Files.createDirectories(dir);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A log file for a child process of this run, kept for the scan at the end of the run. */
    public static Path file(String name) {
        return directory().resolve(name);
    }
}
