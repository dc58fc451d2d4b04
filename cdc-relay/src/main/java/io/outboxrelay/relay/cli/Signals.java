package io.outboxrelay.relay.cli;

import java.util.concurrent.atomic.AtomicBoolean;

import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into a graceful stop that ends with exit code 0 (the relay's {@code run}, the pipeline's
 * {@code consumers}). A JVM shutdown hook
 * alone would also stop the relay, but the JVM would then exit with 143, which supervisors read
 * as a crash.
 */
public final class Signals {

    private Signals() {
    }

    /** Runs {@code stop} once, on SIGTERM, SIGINT or JVM shutdown, whichever comes first. */
    public static void onTermination(Runnable stop) {
        AtomicBoolean once = new AtomicBoolean();
        Runnable stopOnce = () -> {
            if (once.compareAndSet(false, true)) {
                stop.run();
            }
        };
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> new Thread(stopOnce, "relay-stop").start());
            }
            catch (IllegalArgumentException e) {
                // signal not available on this platform; the shutdown hook below still stops the relay
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(stopOnce, "relay-shutdown-hook"));
    }
}
