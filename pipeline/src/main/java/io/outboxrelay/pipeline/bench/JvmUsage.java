package io.outboxrelay.pipeline.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Memory of this JVM. The bench runs the Kafka broker in the same JVM, so absolute figures
 * include the broker: what the relay itself costs is the difference to a measurement without it.
 */
final class JvmUsage {

    private JvmUsage() {
    }

    static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Heap still in use after full collections: live data, not garbage waiting for the collector. */
    static long heapLiveAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return heapUsed();
    }

    /** Resident set size now; -1 where /proc is missing. */
    static long rssBytes() {
        return bytes(procStatusKib("VmRSS:"));
    }

    /** Highest resident set size since the JVM started; -1 where /proc is missing. */
    static long peakRssBytes() {
        return bytes(procStatusKib("VmHWM:"));
    }

    private static long bytes(long kib) {
        return kib < 0 ? -1 : kib * 1024;
    }

    private static long procStatusKib(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        }
        catch (IOException | RuntimeException e) {
            // not Linux: reported as unknown
        }
        return -1;
    }
}
