package io.outboxrelay.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ports, temp directories, shutdown hooks and retries shared by the in-process backends. */
final class Local {

    static final String HOST = "127.0.0.1";
    private static final int ATTEMPTS = 3;
    private static final Logger LOG = LoggerFactory.getLogger(Local.class);

    private Local() {
    }

    /** Something that starts a server once; it cleans up after itself when it throws. */
    interface Attempt<T> {
        T run() throws Exception;
    }

    /**
     * A free port can be taken by someone else between {@link #freePort()} and the server's bind: such a
     * start is tried again on new ports. Any other failure is final (a bad setting does not get better).
     */
    static <T> T withRetries(String what, Attempt<T> attempt) {
        for (int i = 1; ; i++) {
            try {
                return attempt.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InfrastructureException("Interrupted while starting " + what, e);
            } catch (Exception e) {
                if (i == ATTEMPTS || !isPortClash(e)) {
                    throw new InfrastructureException("Could not start " + what + ": " + e.getMessage(), e);
                }
                LOG.warn("Starting {} failed on a port someone else took, trying other ports: {}", what, e.toString());
            }
        }
    }

    private static boolean isPortClash(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    static Path createTempDirectory(String prefix) throws IOException {
        return Files.createTempDirectory(prefix);
    }

    static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete " + directory, e);
        }
    }

    /** Runs {@code close} at JVM exit unless {@link #cancel(Thread)} is called first, e.g. by a normal close. */
    static Thread onShutdown(String name, Runnable close) {
        Thread hook = new Thread(close, name);
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    static void cancel(Thread hook) {
        if (Thread.currentThread() == hook) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook runs anyway; close is idempotent.
        }
    }
}
