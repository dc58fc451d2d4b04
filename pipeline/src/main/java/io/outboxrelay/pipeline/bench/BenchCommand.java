package io.outboxrelay.pipeline.bench;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: how fast the relay drains an outbox backlog, next to what PostgreSQL can decode
 * and what Kafka can accept, measured in one run on one machine and one set of rows.
 * Exit codes: 0 measured, 1 the run failed, 2 bad options.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Benchmark the relay against PostgreSQL's raw decoding and a raw Kafka producer, on the same rows.",
                "",
                "Runs on its own embedded PostgreSQL and Kafka: writes a backlog of outbox events, "
                        + "lets the JVM warm up, then measures, on the same rows, the relay draining them (events/s), "
                        + "PostgreSQL's raw logical decoding through a second pgoutput slot (rows/s) and a raw Kafka "
                        + "producer with the relay's settings and record sizes (msgs/s); then commit-to-consume "
                        + "latency at a steady rate, next to the raw producer's, and the JVM's memory and CPU.",
                "Prints progress and a table, or with --json only one JSON object (progress and logs go to stderr)."},
        footer = {"", "Examples:",
                "  outbox-pipeline bench",
                "  outbox-pipeline bench --events 200000 --payload-bytes 1000 --tx-size 10",
                "  outbox-pipeline bench --json > bench.json",
                "  outbox-pipeline bench --warmup 100000 --latency-events 5000 --latency-rate 500",
                "", "Takes about a minute with the defaults on 2 cores. Rates are for this machine and these "
                + "settings only; compare the ratios, and run it more than once."})
public final class BenchCommand implements Callable<Integer> {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    private static final Logger LOG = LoggerFactory.getLogger(BenchCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = {"-n", "--events"}, paramLabel = "N", defaultValue = "100000",
            description = "Outbox events in the measured backlog (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--payload-bytes", paramLabel = "BYTES", defaultValue = "200",
            description = "Length of each event's JSON payload as written (default: ${DEFAULT-VALUE}).")
    int payloadBytes;

    @Option(names = "--tx-size", paramLabel = "N", defaultValue = "100",
            description = "Events per writer transaction (default: ${DEFAULT-VALUE}).")
    int txSize;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "50000",
            description = "Events relayed and produced before measuring, so the JIT has compiled the hot paths "
                    + "(default: ${DEFAULT-VALUE}; 0 measures a cold JVM).")
    int warmupEvents;

    @Option(names = "--latency-events", paramLabel = "N", defaultValue = "2000",
            description = "Single-event transactions whose commit-to-consume latency is measured; 0 skips "
                    + "(default: ${DEFAULT-VALUE}).")
    int latencyEvents;

    @Option(names = "--latency-rate", paramLabel = "PER_SECOND", defaultValue = "200",
            description = "Pace of those transactions (default: ${DEFAULT-VALUE}).")
    int latencyRate;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    /** For picocli. */
    public BenchCommand() {
    }

    @Override
    public Integer call() {
        BenchParameters parameters = new BenchParameters(events, payloadBytes, txSize, warmupEvents, latencyEvents,
                latencyRate);
        String problem = parameters.problem();
        if (problem != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), problem);
        }
        // progress shares stdout with the table, but must not corrupt the JSON
        PrintWriter progress = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
        BenchResult result;
        long start = System.nanoTime();
        try {
            result = new BenchRun(parameters, progress).run();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted", e);
        }
        catch (Exception e) {
            return fail(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
        progress.printf("Done in %.0f s.%n%n", (System.nanoTime() - start) / 1e9);
        progress.flush();
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? BenchReport.json(result) + System.lineSeparator() : BenchReport.table(result));
        out.flush();
        return EXIT_OK;
    }

    private int fail(String message, Exception e) {
        LOG.error("bench failed", e);
        PrintWriter err = spec.commandLine().getErr();
        err.println("error: bench failed: " + message.replace('\n', ' '));
        err.flush();
        return EXIT_FAILED;
    }
}
