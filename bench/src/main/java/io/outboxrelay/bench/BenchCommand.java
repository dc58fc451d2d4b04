package io.outboxrelay.bench;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: the relay side by side with what users would pick instead and with the raw baselines,
 * measured in one run on one machine, one PostgreSQL, one broker and one kind of generated data.
 * Exit codes: 0 measured, 1 the run failed, 2 bad options.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Benchmark the relay against Debezium on Kafka Connect, a polling publisher and the raw baselines.",
                "",
                "Starts its own PostgreSQL and Kafka. Each contender runs alone, in a child JVM of its own: it drains a "
                        + "warm-up backlog, is paused (SIGSTOP) while the measured backlog is written, and is timed from "
                        + "its resume until Kafka acknowledged the last event (events/s, its CPU time and PostgreSQL's, "
                        + "its peak memory); then paced loads measure commit-to-consume latency (p50/p99/p99.9). "
                        + "Baselines: PostgreSQL decoding the backlog in one SQL call, a raw producer.",
                "Writes results.txt, results.json and latency.svg (latency against load) to the results "
                        + "directory, the children's logs and configuration files to its logs/ folder, and prints "
                        + "the table (or with --json the JSON; progress goes to stderr then)."},
        footer = {"", "Examples:",
                "  outbox-bench bench",
                "  outbox-bench bench --events 200000 --payload-bytes 1000 --tx-size 10",
                "  outbox-bench bench --contenders relay --relay-setting kafka.producer.linger.ms=20",
                "  outbox-bench bench --loads 0.25,0.5 --load-seconds 20 --results /tmp/bench --json",
                "", "Takes about 5 minutes with the defaults on 2 cores. Rates are for this machine and these "
                + "settings only: compare the ratios, and run it more than once."})
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
            description = "Events per writer transaction in the backlogs (default: ${DEFAULT-VALUE}).")
    int txSize;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1000000",
            description = "Events each contender drains before it is measured, so its JIT has compiled the hot paths "
                    + "(default: ${DEFAULT-VALUE}; measured on 2 cores: after 300,000 the relay's five drains still sped up "
                    + "from round to round, 45-78k events/s, after 1,000,000 they were 63-88k).")
    int warmupEvents;

    @Option(names = "--drain-rounds", paramLabel = "N", defaultValue = "5",
            description = "How many times each contender is paused, the measured backlog written and drained; the "
                    + "median round's figures are reported, the others' rates as the range (default: ${DEFAULT-VALUE}).")
    int drainRounds;

    @Option(names = "--loads", paramLabel = "FRACTIONS", split = ",", defaultValue = "0.1,0.25,0.5,0.75",
            description = "Paced loads for latency, as fractions of the first contender's drain rate; the same "
                    + "events/s for every contender (default: ${DEFAULT-VALUE}).")
    List<Double> loads;

    @Option(names = "--rates", paramLabel = "EVENTS_PER_SECOND", split = ",",
            description = "Paced loads for latency in events/s, the same for every contender, instead of --loads; e.g."
                    + " 5000,10000,20000.")
    List<Double> rates = new java.util.ArrayList<>();

    @Option(names = "--load-seconds", paramLabel = "S", defaultValue = "10",
            description = "Duration of each paced load (default: ${DEFAULT-VALUE}).")
    double loadSeconds;

    @Option(names = "--contenders", paramLabel = "NAMES", split = ",",
            description = "Which contenders run, in this order (default: all: ${COMPLETION-CANDIDATES}).")
    List<String> contenders;

    @Option(names = "--jvm-options", paramLabel = "OPTIONS", defaultValue = "-Xmx256m",
            description = "Options of every contender's JVM, space-separated (default: ${DEFAULT-VALUE}, the relay "
                    + "image's heap; \"\" for the JVM's own default, a quarter of the machine's memory).")
    String jvmOptions;

    @Option(names = "--relay-setting", paramLabel = "KEY=VALUE",
            description = "A relay setting for the relay contender (and the raw producer), repeatable, e.g. "
                    + "kafka.producer.linger.ms=20 or debezium.max.batch.size=4096.")
    Map<String, String> relaySettings = new LinkedHashMap<>();

    @Option(names = "--results", paramLabel = "DIR",
            description = "Directory for results.txt, results.json, latency.svg and logs/ (default: "
                    + "bench-results/<date-time>).")
    Path results;

    @Option(names = "--json", description = "Print the JSON instead of the table.")
    boolean json;

    /** For picocli. */
    public BenchCommand() {
    }

    @Override
    public Integer call() {
        Path directory = results != null ? results : Path.of("bench-results",
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        List<String> jvm = new ArrayList<>(List.of(jvmOptions.trim().split("\\s+")));
        jvm.removeIf(String::isEmpty);
        BenchParameters parameters = new BenchParameters(events, payloadBytes, txSize, warmupEvents, drainRounds, loads, rates, loadSeconds,
                contenders == null ? BenchParameters.CONTENDERS : contenders, jvm, relaySettings, directory);
        String problem = parameters.problem();
        if (problem != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), problem);
        }
        // progress shares stdout with the table, but must not corrupt the JSON
        PrintWriter progress = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
        ComparisonResult result;
        long start = System.nanoTime();
        try {
            result = new Comparison(parameters, progress).run();
            Files.writeString(directory.resolve("results.txt"), ComparisonReport.table(result));
            Files.writeString(directory.resolve("results.json"), ComparisonReport.json(result));
            Files.writeString(directory.resolve("latency.svg"), LatencyPlot.svg(result));
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted", e);
        }
        catch (Exception e) {
            return fail(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
        progress.printf("Done in %.0f s; results in %s%n%n", (System.nanoTime() - start) / 1e9, directory);
        progress.flush();
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? ComparisonReport.json(result) + System.lineSeparator() : ComparisonReport.table(result));
        out.flush();
        boolean anyFailed = result.contenders().stream().anyMatch(c -> c.error() != null)
                || result.sqlDecode().error() != null || result.rawProducer().error() != null;
        return anyFailed ? EXIT_FAILED : EXIT_OK;
    }

    private int fail(String message, Exception e) {
        LOG.error("bench failed", e);
        PrintWriter err = spec.commandLine().getErr();
        err.println("error: bench failed: " + message.replace('\n', ' '));
        err.flush();
        return EXIT_FAILED;
    }
}
