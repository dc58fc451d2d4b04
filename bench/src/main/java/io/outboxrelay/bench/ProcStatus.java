package io.outboxrelay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Fields of /proc/PID/status (Linux); -1 where missing. */
final class ProcStatus {

    private ProcStatus() {
    }

    /** @param field e.g. {@code VmHWM:}; @return its value in KiB, or -1 */
    static long kib(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        }
        catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }
}
