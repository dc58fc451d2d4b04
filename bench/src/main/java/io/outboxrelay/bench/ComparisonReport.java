package io.outboxrelay.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Renders a {@link ComparisonResult} as a table for people or as JSON for scripts; both carry the same figures. */
final class ComparisonReport {

    private static final double MIB = 1024.0 * 1024.0;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** The targets, checked in the table (ratios in one run). */
    static final double TARGET_VS_CONNECT = 2.0;
    static final double TARGET_VS_STREAMING_DECODE = 0.8;
    static final double TARGET_P99_MS = 50;
    static final double TARGET_RSS_MIB = 512;

    private ComparisonReport() {
    }

    static String table(ComparisonResult r) {
        BenchParameters p = r.parameters();
        ComparisonResult.Environment e = r.environment();
        StringBuilder out = new StringBuilder();
        line(out, "Outbox bench: %,d events, %,d B payload, %,d events per transaction; each contender warmed up on %,d "
                + "events", p.events(), p.payloadBytes(), p.txSize(), p.warmupEvents());
        line(out, "PostgreSQL %s, Kafka %s (broker in the bench JVM), Debezium %s, Java %s, %d CPUs (%s)", e.postgres(),
                e.kafka(), e.debezium(), e.java(), e.cpus(), e.cpuModel());
        line(out, "child JVM options: %s", p.jvmOptions().isEmpty() ? "(none)" : String.join(" ", p.jvmOptions()));
        line(out, "");
        line(out, "%-18s %10s %8s %9s %11s %11s %9s %6s  %s", "drain", "events/s", "vs " + refName(r), "startup",
                "CPU s/100k", "PG CPU/100k", "peak RSS", "busy", "rounds");
        ContenderResult ref = r.reference();
        for (ContenderResult c : r.contenders()) {
            if (c.error() != null) {
                line(out, "%-18s FAILED: %s", c.name(), c.error().lines().findFirst().orElse(""));
                continue;
            }
            line(out, "%-18s %,10.0f %8s %7.1f s %11s %11s %9s %6s  %s", c.name(), c.drainRate(), ratio(c.drainRate(), ref),
                    c.startupMillis() / 1000.0, num(c.cpuPer100k(p.events())), num(c.postgresCpuPer100k(p.events())),
                    mib(c.peakRssBytes()), c.machineCores() < 0 ? "?" : String.format(Locale.ROOT, "%.1f", c.machineCores()),
                    range(c));
        }
        for (ComparisonResult.Baseline b : List.of(r.sqlDecode(), r.rawProducer())) {
            if (b.error() != null) {
                line(out, "%-18s FAILED: %s", b.name(), b.error().lines().findFirst().orElse(""));
                continue;
            }
            line(out, "%-18s %,10.0f %8s %9s %11s %11s %9s %6s", b.name(), b.rate(), ratio(b.rate(), ref), "-",
                    num(per100k(b.cpuSeconds(), p.events())), num(per100k(b.postgresCpuSeconds(), p.events())),
                    mib(b.peakRssBytes()), "");
        }
        line(out, "  (events/s: measured backlog / time from resuming the paused contender to the last acknowledgement,");
        line(out, "   the median of %d rounds; rounds: slowest-fastest round;", p.drainRounds());
        line(out, "   CPU: the contender's JVM and all of PostgreSQL meanwhile; busy: cores busy on the whole machine)");
        line(out, "");
        latencyTable(out, r);
        line(out, "");
        targets(out, r);
        return out.toString();
    }

    private static void latencyTable(StringBuilder out, ComparisonResult r) {
        if (r.rates().isEmpty()) {
            line(out, "latency: not measured");
            return;
        }
        List<String> names = new ArrayList<>();
        List<List<PacedLoad.Result>> columns = new ArrayList<>();
        for (ContenderResult c : r.contenders()) {
            if (c.error() == null && !c.loads().isEmpty()) {
                names.add(c.name());
                columns.add(c.loads());
            }
        }
        if (!r.rawProducer().loads().isEmpty()) {
            names.add(r.rawProducer().name());
            columns.add(r.rawProducer().loads());
        }
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-14s", "load events/s"));
        names.forEach(n -> head.append(String.format(Locale.ROOT, " %24s", n)));
        line(out, "latency, ms from commit to consumed: p50 / p99 / p99.9 (%.0f s per load)", r.parameters().loadSeconds());
        line(out, "%s", head);
        for (int i = 0; i < r.rates().size(); i++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%,-14.0f", r.rates().get(i)));
            for (List<PacedLoad.Result> column : columns) {
                PacedLoad.Result l = i < column.size() ? column.get(i) : null;
                String cell = l == null ? "-" : String.format(Locale.ROOT, "%.0f / %.0f / %.0f%s", l.p50(), l.p99(),
                        l.p999(), l.lost() > 0 ? " (" + l.lost() + " late)" : "");
                row.append(String.format(Locale.ROOT, " %24s", cell));
            }
            line(out, "%s", row);
        }
    }

    /** The targets for the relay, as ratios in this run. */
    private static void targets(StringBuilder out, ComparisonResult r) {
        ContenderResult relay = r.contender(RelayContender.NAME);
        if (relay == null) {
            return;
        }
        line(out, "targets for the relay (this run):");
        ContenderResult connect = r.contender("kafka-connect");
        if (connect != null) {
            check(out, "drain vs Debezium on Kafka Connect", relay.drainRate() / connect.drainRate(), TARGET_VS_CONNECT,
                    true, "x");
        }
        ContenderResult decode = r.contender("streaming-decode");
        if (decode != null) {
            check(out, "drain vs PostgreSQL streaming decode", relay.drainRate() / decode.drainRate(),
                    TARGET_VS_STREAMING_DECODE, true, "x");
        }
        PacedLoad.Result half = halfLoad(r, relay);
        if (half != null) {
            check(out, String.format(Locale.ROOT, "p99 at %,.0f events/s (%.2f x its drain rate; target at 0.5)",
                    half.targetRate(), half.targetRate() / relay.drainRate()),
                    half.p99(), TARGET_P99_MS, false, " ms");
        }
        if (relay.peakRssBytes() > 0) {
            check(out, "peak resident memory", relay.peakRssBytes() / MIB, TARGET_RSS_MIB, false, " MiB");
        }
    }

    /** The relay's load closest to half its drain rate, or null. */
    static PacedLoad.Result halfLoad(ComparisonResult r, ContenderResult relay) {
        PacedLoad.Result best = null;
        for (PacedLoad.Result l : relay.loads()) {
            if (best == null || Math.abs(l.targetRate() - relay.drainRate() / 2) < Math.abs(best.targetRate()
                    - relay.drainRate() / 2)) {
                best = l;
            }
        }
        return best;
    }

    private static void check(StringBuilder out, String what, double value, double target, boolean atLeast, String unit) {
        boolean met = atLeast ? value >= target : value <= target;
        line(out, "  %-58s %8.2f%s  target %s %.1f%s  %s", what, value, unit, atLeast ? ">=" : "<=", target, unit,
                met ? "met" : "NOT MET");
    }

    static String json(ComparisonResult r) {
        try {
            return JSON.writeValueAsString(fields(r));
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, Object> fields(ComparisonResult r) {
        BenchParameters p = r.parameters();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("events", p.events());
        m.put("payload_bytes", p.payloadBytes());
        m.put("tx_size", p.txSize());
        m.put("warmup_events", p.warmupEvents());
        m.put("load_seconds", p.loadSeconds());
        m.put("jvm_options", p.jvmOptions());
        m.put("relay_settings", p.relaySettings());
        m.put("environment", r.environment());
        m.put("loads_events_per_s", r.rates());
        List<Map<String, Object>> contenders = new ArrayList<>();
        for (ContenderResult c : r.contenders()) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("name", c.name());
            f.put("description", c.description());
            f.put("error", c.error());
            f.put("drain_events_per_s", Math.round(c.drainRate()));
            f.put("drain_seconds", c.drainSeconds());
            f.put("drain_events_per_s_rounds", c.roundRates().stream().map(Math::round).toList());
            f.put("warmup_events_per_s", Math.round(c.warmupRate()));
            f.put("startup_ms", c.startupMillis());
            f.put("cpu_seconds_per_100k", c.cpuPer100k(p.events()));
            f.put("postgres_cpu_seconds_per_100k", c.postgresCpuPer100k(p.events()));
            f.put("machine_busy_cores", c.machineCores());
            f.put("peak_rss_mib", c.peakRssBytes() < 0 ? null : Math.round(c.peakRssBytes() / MIB));
            f.put("latency", c.loads());
            contenders.add(f);
        }
        m.put("contenders", contenders);
        for (ComparisonResult.Baseline b : List.of(r.sqlDecode(), r.rawProducer())) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("description", b.description());
            f.put("error", b.error());
            f.put("events_per_s", Math.round(b.rate()));
            f.put("seconds", b.seconds());
            f.put("cpu_seconds_per_100k", per100k(b.cpuSeconds(), p.events()));
            f.put("postgres_cpu_seconds_per_100k", per100k(b.postgresCpuSeconds(), p.events()));
            f.put("peak_rss_mib", b.peakRssBytes() < 0 ? null : Math.round(b.peakRssBytes() / MIB));
            f.put("latency", b.loads());
            m.put(b.name(), f);
        }
        return m;
    }

    private static String refName(ComparisonResult r) {
        ContenderResult ref = r.reference();
        return ref == null ? "-" : ref.name();
    }

    private static String ratio(double rate, ContenderResult ref) {
        return ref == null || ref.drainRate() <= 0 ? "-" : String.format(Locale.ROOT, "%.2f", rate / ref.drainRate());
    }

    private static double per100k(double seconds, long events) {
        return seconds < 0 ? -1 : seconds * 100_000 / events;
    }

    private static String num(double v) {
        return v < 0 ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "-" : String.format(Locale.ROOT, "%.0f MiB", bytes / MIB);
    }

    private static void line(StringBuilder out, String format, Object... args) {
        out.append(String.format(Locale.ROOT, format, args)).append(System.lineSeparator());
    }

    private static String range(ContenderResult c) {
        return c.roundRates().size() < 2 ? "" : String.format(Locale.ROOT, "%,.0f-%,.0f", c.minRoundRate(), c.maxRoundRate());
    }
}
