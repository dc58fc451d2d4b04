package io.outboxrelay.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who used the CPUs during a measurement: this JVM (relay and in-process broker), PostgreSQL's
 * walsender feeding the relay, and the whole machine. On 2 cores a busy neighbour or CPU steal
 * halves a rate; these figures tell a slow run from a disturbed one. Linux /proc only; elsewhere
 * the figures are -1.
 */
final class CpuMeter {

    /** Average cores busy over the interval. */
    record Usage(double jvm, double walsender, double machine, double steal) {
        static final Usage UNKNOWN = new Usage(-1, -1, -1, -1);
    }

    private final int cpus = Runtime.getRuntime().availableProcessors();
    private final long startNanos;
    private final long jvmStart;
    private final long[] machineStart;

    /** Starts measuring now. */
    CpuMeter() {
        this.startNanos = System.nanoTime();
        this.jvmStart = jvmCpuNanos();
        this.machineStart = machineTicks();
    }

    /**
     * Usage from construction until now.
     *
     * @param walsenderPid the walsender that streamed to the relay (-1: unknown). A walsender serves one
     *                     connection: all its CPU time counts, including a little spent before the
     *                     measurement started, while the relay connected.
     */
    Usage stop(long walsenderPid) {
        double wall = System.nanoTime() - startNanos;
        long jvm = jvmCpuNanos();
        long walsender = processCpuNanos(walsenderPid);
        long[] machine = machineTicks();
        double machineCores = -1;
        double stealCores = -1;
        if (machineStart != null && machine != null && machine[2] > machineStart[2]) {
            double total = machine[2] - machineStart[2];
            machineCores = cpus * (machine[0] - machineStart[0]) / total;
            stealCores = cpus * (machine[1] - machineStart[1]) / total;
        }
        return new Usage(jvmStart < 0 || jvm < 0 ? -1 : (jvm - jvmStart) / wall,
                walsender < 0 ? -1 : walsender / wall, machineCores, stealCores);
    }

    private static long jvmCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** Time the process's main thread spent on a CPU (walsenders are single-threaded), from schedstat, in ns. */
    private static long processCpuNanos(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            return Long.parseLong(Files.readString(Path.of("/proc", String.valueOf(pid), "schedstat")).trim().split("\\s+")[0]);
        }
        catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** From the first line of /proc/stat: {busy, steal, total} ticks of all CPUs, or null. */
    private static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            long total = 0;
            for (int i = 1; i <= 8 && i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
            return new long[] {total - idle - steal, steal, total};
        }
        catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
