package io.outboxrelay.bench;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Function;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.ProducerSettings;

/**
 * One side-by-side run on one PostgreSQL, one broker and one kind of generated data. Each contender in turn,
 * alone on the machine, in a child JVM of its own:
 * <ol>
 * <li>start (it sees what is committed from then on) and drain a warm-up backlog, so its JIT has compiled
 *     the hot paths (on 2 cores a cold JVM runs at about half speed);</li>
 * <li>paused with SIGSTOP while the measured backlog is written, then resumed: the drain, from the resume
 *     until the last event was acknowledged, is the throughput figure; its CPU time and PostgreSQL's are
 *     read meanwhile; this {@code --drain-rounds} times, the median round's figures count (single rounds
 *     on 2 cores moved by up to 45%);</li>
 * <li>paced loads, each a fraction of the first contender's drain rate, for commit-to-consume latency;</li>
 * <li>stopped; its slot dropped and the outbox truncated.</li>
 * </ol>
 * Then the baselines: PostgreSQL decoding the same backlog in one SQL call, and a raw producer sending as
 * many records shaped like the relay's (in a child JVM; its latency from this JVM).
 */
final class Comparison {

    private final BenchParameters params;
    private final PrintWriter progress;
    private final long benchStart = System.nanoTime();

    Comparison(BenchParameters params, PrintWriter progress) {
        this.params = params;
        this.progress = progress;
    }

    ComparisonResult run() throws Exception {
        Path logs = Files.createDirectories(params.resultsDirectory().resolve("logs"));
        step("starting PostgreSQL and Kafka; results in %s", params.resultsDirectory());
        try (BenchEnvironment env = BenchEnvironment.start()) {
            BenchContext context = env.context(logs, params.jvmOptions());
            PostgresCpu postgresCpu = PostgresCpu.of(env.dataSource());
            ComparisonResult.Environment where = new ComparisonResult.Environment(
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                    new PostgresProbe(env.dataSource()).postgresVersion(), AppInfoParser.getVersion(),
                    io.debezium.connector.postgresql.Module.version(), machine());
            List<ContenderResult> contenders = new ArrayList<>();
            List<Double> rates = null;
            try (EventWriter writer = new EventWriter(env.dataSource(), params.payloadBytes())) {
                for (String name : params.contenders()) {
                    Contender contender = create(name);
                    if (contender.topic() != null) {
                        env.createTopic(contender.topic());
                    }
                    ContenderResult result = new Turn(env, context, writer.writingMessages(contender.writesMessages()),
                            postgresCpu, contender, rates).run();
                    contenders.add(result);
                    if (rates == null && result.error() == null && contender.topic() != null) {
                        rates = rates(result.drainRate());
                    }
                }
                ComparisonResult.Baseline decode = sqlDecode(env, writer, postgresCpu);
                ComparisonResult.Baseline produce = rawProducer(env, context, rates);
                return new ComparisonResult(params, where, rates == null ? List.of() : rates, contenders, decode, produce);
            }
        }
    }

    private Contender create(String name) {
        String topic = "bench." + name + "." + BenchEnvironment.AGGREGATE_TYPE;
        Map<String, Function<String, Contender>> known = Map.of(
                RelayContender.NAME, t -> new RelayContender(t, params.relaySettings()),
                RelayContender.MESSAGES_NAME, t -> RelayContender.messages(t, params.relaySettings()),
                RelayContender.EXACTLY_ONCE_NAME, t -> RelayContender.exactlyOnce(t, params.relaySettings()),
                ConnectContender.NAME, ConnectContender::new,
                PollingContender.NAME, PollingContender::new,
                StreamingDecodeContender.NAME, t -> new StreamingDecodeContender());
        Function<String, Contender> factory = known.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("unknown contender " + name + "; known: " + BenchParameters.CONTENDERS);
        }
        return factory.apply(topic);
    }

    /** The paced loads: --rates as given, or the fractions of the first contender's drain rate. */
    private List<Double> rates(double drainRate) {
        if (!params.rates().isEmpty()) {
            return params.rates();
        }
        return params.loads().stream().map(f -> Math.max(1.0, Math.round(f * drainRate / 10.0) * 10.0)).toList();
    }

    /** One timed drain of the measured backlog. */
    private record Round(double seconds, double rate, double cpu, double pg, double machineCores) {
    }

    /** One contender's turn; see the class comment. */
    private final class Turn {
        private final BenchEnvironment env;
        private final BenchContext context;
        private final EventWriter writer;
        private final PostgresCpu postgresCpu;
        private final Contender contender;
        private final List<Double> rates;

        Turn(BenchEnvironment env, BenchContext context, EventWriter writer, PostgresCpu postgresCpu,
             Contender contender, List<Double> rates) {
            this.env = env;
            this.context = context;
            this.writer = writer;
            this.postgresCpu = postgresCpu;
            this.contender = contender;
            this.rates = rates;
        }

        ContenderResult run() throws Exception {
            String name = contender.name();
            try (Contender c = contender) {
                env.truncateOutbox();
                step("%s: starting (%s)", name, c.description());
                long launched = System.nanoTime();
                c.start(context);
                long startupMillis = (System.nanoTime() - launched) / 1_000_000;
                step("  ready after %,d ms; warm-up: %,d events", startupMillis, params.warmupEvents());
                long warmStart = System.nanoTime();
                writer.write(params.warmupEvents(), params.txSize());
                await(params.warmupEvents());
                double warmupRate = params.warmupEvents() / ((System.nanoTime() - warmStart) / 1e9);

                List<Round> rounds = new ArrayList<>();
                for (int i = 1; i <= params.drainRounds(); i++) {
                    rounds.add(drainRound(c, i, params.warmupEvents() + (long) i * params.events()));
                }
                List<Double> roundRates = rounds.stream().map(Round::rate).toList();
                Round median = rounds.stream().sorted(Comparator.comparingDouble(Round::rate)).toList()
                        .get((rounds.size() - 1) / 2);
                double seconds = median.seconds();

                List<PacedLoad.Result> loads = new ArrayList<>();
                List<Double> paced = rates != null ? rates : rates(median.rate());
                if (c.topic() != null) {
                    try (PacedLoad load = PacedLoad.start(context.bootstrapServers(), c.topic(), c.eventIdHeader())) {
                        for (double rate : paced) {
                            PacedLoad.Result r = load.run(rate, params.loadSeconds(), writer::writeTransaction);
                            step("  %,.0f events/s for %.0f s: p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms%s",
                                    rate, params.loadSeconds(), r.p50(), r.p99(), r.p999(), r.max(),
                                    r.lost() > 0 ? String.format(Locale.ROOT, ", %,d not arrived within %d s", r.lost(),
                                            PacedLoad.ARRIVAL_WAIT.toSeconds()) : "");
                            loads.add(r);
                        }
                    }
                }
                long peakRss = c.process().peakRssBytes();
                return new ContenderResult(name, c.description(), startupMillis, warmupRate, seconds,
                        median.rate(), roundRates, median.cpu(), median.pg(), median.machineCores(), peakRss, loads, null);
            }
            catch (Exception e) {
                String error = e.getMessage() == null ? e.toString() : e.getMessage();
                step("  %s FAILED: %s", name, error);
                return ContenderResult.failed(name, contender.description(), error);
            }
        }

        /**
         * Pauses the contender, writes the measured backlog, resumes it and times the drain until it delivered
         * {@code deliveredAfter} events since it started.
         */
        private Round drainRound(Contender c, int round, long deliveredAfter) throws Exception {
            c.process().pause();
            step("  round %d of %d: paused; writing the measured backlog: %,d events", round, params.drainRounds(),
                    params.events());
            double writeSeconds = writer.write(params.events(), params.txSize());
            step("  written in %.1f s; resuming and timing the drain", writeSeconds);
            long cpu0 = c.process().cpuNanos();
            long pg0 = postgresCpu.nanos();
            CpuMeter machine = new CpuMeter();
            long t0 = System.nanoTime();
            c.process().resume();
            await(deliveredAfter);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = seconds(c.process().cpuNanos(), cpu0);
            double pg = seconds(postgresCpu.nanos(), pg0);
            double machineCores = machine.stop(-1).machine();
            step("  drained %,d events in %.2f s: %,.0f events/s; CPU %.2f s (PostgreSQL %.2f s)", params.events(),
                    seconds, params.events() / seconds, cpu, pg);
            return new Round(seconds, params.events() / seconds, cpu, pg, machineCores);
        }

        /** Waits until the contender delivered {@code total} events since it started; fails if it stalls for 60 s. */
        private void await(long total) throws Exception {
            long last = -1;
            long lastProgress = System.nanoTime();
            long delivered;
            while ((delivered = contender.delivered()) < total) {
                if (!contender.process().isAlive()) {
                    throw new IllegalStateException(contender.name() + " exited after delivering " + delivered + " of "
                            + total + " events; its log " + contender.process().logFile() + " ends with:\n"
                            + contender.process().tail());
                }
                if (delivered != last) {
                    last = delivered;
                    lastProgress = System.nanoTime();
                }
                else if (System.nanoTime() - lastProgress > Duration.ofSeconds(60).toNanos()) {
                    throw new IllegalStateException(contender.name() + " delivered nothing for 60 s, " + delivered
                            + " of " + total + " events; see " + contender.process().logFile());
                }
                Thread.sleep(5);
            }
        }
    }

    /** PostgreSQL decoding the measured backlog through a pgoutput slot in one SQL call: no client at all. */
    private ComparisonResult.Baseline sqlDecode(BenchEnvironment env, EventWriter writer, PostgresCpu postgresCpu)
            throws Exception {
        env.truncateOutbox();
        step("baseline: PostgreSQL decoding %,d events in one SQL call (pg_logical_slot_get_binary_changes)",
                params.events());
        try (RawDecode raw = RawDecode.createSlot(env.dataSource())) {
            writer.write(params.events(), params.txSize());
            long pg0 = postgresCpu.nanos();
            RawDecode.Result decode = raw.decodeAll();
            double pg = seconds(postgresCpu.nanos(), pg0);
            step("  %,d messages in %.2f s: %,.0f events/s", decode.messages(), decode.seconds(),
                    params.events() / decode.seconds());
            return new ComparisonResult.Baseline("sql-decode", "pgoutput decoded by PostgreSQL in one SQL call, "
                    + "no client, nothing sent", decode.seconds(), params.events() / decode.seconds(), -1, pg, -1,
                    List.of(), null);
        }
    }

    /** Kafka alone: a child JVM sends records shaped like the relay's with its producer settings; latency from here. */
    private ComparisonResult.Baseline rawProducer(BenchEnvironment env, BenchContext context, List<Double> rates)
            throws Exception {
        String topic = "bench.raw-producer";
        env.createTopic(topic);
        Map<String, Object> producerProps = new HashMap<>(ProducerSettings.from(relayConfig(context)));
        Map<String, String> file = new HashMap<>();
        producerProps.forEach((k, v) -> file.put(k, String.valueOf(v)));
        file.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-raw-producer");
        Path props = ChildSettings.write(context.logDirectory().resolve("raw-producer.properties"), file,
                "bench: raw producer, the relay's producer settings");
        step("baseline: raw producer sending %,d records (after %,d warm-up)", params.events(), params.warmupEvents());
        String description = "kafka-clients producer alone, the relay's settings, send all then flush";
        try (TopicCounter counter = new TopicCounter(context.bootstrapServers(), topic);
             ChildJvm child = ChildJvm.launch("raw-producer", context.jvmOptions(), ProducerBaseline.class.getName(),
                     List.of(props.toString(), topic, String.valueOf(params.warmupEvents()),
                             String.valueOf(params.payloadBytes())), Map.of(),
                     context.logDirectory().resolve("raw-producer.log"))) {
            child.awaitLog(log -> log.contains("warm"), Duration.ofMinutes(5));
            long cpu0 = child.cpuNanos();
            long t0 = System.nanoTime();
            child.send("send " + params.events());
            long target = params.warmupEvents() + (long) params.events();
            while (counter.count() < target) {
                if (!child.isAlive()) {
                    throw new IllegalStateException("raw producer exited; its log ends with:\n" + child.tail());
                }
                Thread.sleep(5);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = seconds(child.cpuNanos(), cpu0);
            long peakRss = child.peakRssBytes();
            step("  %,d records in %.2f s: %,.0f msgs/s", params.events(), seconds, params.events() / seconds);
            List<PacedLoad.Result> loads = new ArrayList<>();
            if (rates != null) {
                Map<String, Object> latencyProps = new HashMap<>(producerProps);
                latencyProps.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-raw-producer-latency");
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(latencyProps, new ByteArraySerializer(),
                        new ByteArraySerializer());
                     PacedLoad load = PacedLoad.start(context.bootstrapServers(), topic, "eventId")) {
                    long[] seq = {0};
                    for (double rate : rates) {
                        PacedLoad.Result r = load.run(rate, params.loadSeconds(), ids -> {
                            long now = System.nanoTime();
                            for (UUID id : ids) {
                                producer.send(ProducerBaseline.record(topic, seq[0]++, params.payloadBytes(), id));
                            }
                            return now;
                        });
                        step("  %,.0f msgs/s for %.0f s: p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms", rate,
                                params.loadSeconds(), r.p50(), r.p99(), r.p999());
                        loads.add(r);
                    }
                }
            }
            return new ComparisonResult.Baseline("raw-producer", description, seconds, params.events() / seconds, cpu,
                    -1, peakRss, loads, null);
        }
        catch (Exception e) {
            step("  raw producer FAILED: %s", e.getMessage());
            return new ComparisonResult.Baseline("raw-producer", description, 0, 0, -1, -1, -1, List.of(), e.getMessage());
        }
    }

    /** A relay configuration on the bench's servers, for its producer settings. */
    private RelayConfig relayConfig(BenchContext context) {
        Properties p = new Properties();
        p.setProperty("database.host", context.host());
        p.setProperty("database.name", context.database());
        p.setProperty("database.user", context.user());
        p.setProperty("kafka.bootstrap.servers", context.bootstrapServers());
        params.relaySettings().forEach(p::setProperty);
        return RelayConfig.from(p, Map.of());
    }

    private static double seconds(long nanos, long before) {
        return nanos < 0 || before < 0 ? -1 : (nanos - before) / 1e9;
    }

    private static String machine() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        }
        catch (Exception e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private void step(String format, Object... args) {
        progress.printf(Locale.ROOT, "[%5.1f s] %s%n", (System.nanoTime() - benchStart) / 1e9,
                String.format(Locale.ROOT, format, args));
        progress.flush();
    }
}
