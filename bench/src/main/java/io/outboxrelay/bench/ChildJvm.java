package io.outboxrelay.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A contender's child JVM: same Java and class path as the bench, output to a log file, measured
 * through /proc (CPU time of all its threads, peak resident memory), paused and resumed with
 * SIGSTOP/SIGCONT. Linux only for the figures: elsewhere they are -1. Children log at INFO
 * ({@value #LOG_CONFIG}), so that their readiness lines reach the log.
 */
final class ChildJvm implements AutoCloseable {

    /** The children's log configuration (a class path resource), unless {@code jvmOptions} set another. */
    static final String LOG_CONFIG = "bench-child-log4j2.xml";
    static final String LOG_CONFIG_PROPERTY = "log4j2.configurationFile";

    private final String name;
    private final Process process;
    private final Path log;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code mainClass} with {@code args} in a new JVM: the bench's class path, {@code jvmOptions},
     * {@code environment} added to the bench's, output and errors to {@code log}.
     */
    static ChildJvm launch(String name, List<String> jvmOptions, String mainClass, List<String> args,
                           Map<String, String> environment, Path log) {
        return launch(name, System.getProperty("java.class.path"), jvmOptions, mainClass, args, environment, log);
    }

    /** As {@link #launch(String, List, String, List, Map, Path)}, with another class path. */
    static ChildJvm launch(String name, String classPath, List<String> jvmOptions, String mainClass, List<String> args,
                           Map<String, String> environment, Path log) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-D" + LOG_CONFIG_PROPERTY + "=" + LOG_CONFIG);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        try {
            return new ChildJvm(name, builder.start(), log);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Its output so far. */
    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        }
        catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    Path logFile() {
        return log;
    }

    /**
     * Waits until its output satisfies {@code ready}.
     *
     * @throws IllegalStateException if it exits first or does not get ready in time, with the end of its log
     */
    void awaitLog(Predicate<String> ready, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.test(log())) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready; "
                        + "its log " + log + " ends with:\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " was not ready within " + timeout + "; its log " + log
                        + " ends with:\n" + tail());
            }
            Thread.sleep(50);
        }
    }

    /** The last lines of its log, for error messages. */
    String tail() {
        String[] lines = log().split("\n");
        return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 30), lines.length));
    }

    /** CPU time of all its threads so far, in nanoseconds; -1 if unknown. */
    long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /** Highest resident set size since it started (VmHWM), in bytes; -1 if unknown. */
    long peakRssBytes() {
        return ProcStatus.kib(pid(), "VmHWM:") * 1024;
    }

    /** Writes one line to its standard input (for children that take commands). */
    void send(String line) throws IOException {
        process.getOutputStream().write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    /** SIGSTOP: it stops reading and sending until {@link #resume()}; its connections stay open. */
    void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT. */
    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + pid() + " failed for " + name);
        }
    }

    /**
     * SIGTERM (after SIGCONT, in case it is paused), then SIGKILL if it has not exited within {@code grace}.
     *
     * @return its exit code
     */
    int stop(Duration grace) throws InterruptedException {
        if (process.isAlive()) {
            try {
                resume();
            }
            catch (IOException | RuntimeException e) {
                // it may have exited meanwhile
            }
            process.destroy();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(30));
    }
}
