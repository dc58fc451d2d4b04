package io.outboxrelay.pipeline.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Renders a {@link BenchResult} as a table for people or as JSON for scripts; both carry the same figures. */
final class BenchReport {

    private static final double MIB = 1024.0 * 1024.0;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchReport() {
    }

    static String table(BenchResult r) {
        BenchParameters p = r.parameters();
        BenchResult.Environment e = r.environment();
        StringBuilder out = new StringBuilder();
        line(out, "Outbox relay bench: %,d events, %,d B payload, %,d events per transaction, after a warm-up of %,d events",
                p.events(), p.payloadBytes(), p.txSize(), p.warmupEvents());
        line(out, "PostgreSQL %s, Kafka %s (in this JVM), Debezium %s, Java %s, %d CPUs", e.postgres(), e.kafka(),
                e.debezium(), e.java(), e.cpus());
        line(out, "");
        line(out, "%-52s %18s %9s %11s", "throughput on the same backlog", "rate", "time", "relay/this");
        double relay = r.relayEventsPerSecond();
        rate(out, "relay: PostgreSQL -> Debezium -> Kafka, acked", r.relayEventsPerSecond(), "events/s", r.relaySeconds(), relay);
        rate(out, "raw logical decoding: pgoutput, 2nd slot, SQL", r.decodeRowsPerSecond(), "rows/s", r.decode().seconds(), relay);
        rate(out, "raw producer: relay's settings, send all + flush", r.produceMessagesPerSecond(), "msgs/s",
                r.produceSeconds(), relay);
        line(out, "");
        if (r.relayLatency().samples() + r.relayLatency().lost() == 0) {
            line(out, "latency: not measured (--latency-events 0)");
        }
        else {
            line(out, "%-52s %7s %7s %7s %7s %7s %5s", "latency in ms, " + p.latencyEvents() + " events at "
                    + p.latencyRate() + "/s", "p50", "p90", "p99", "p99.9", "max", "lost");
            latency(out, "relay: commit returned -> consumed", r.relayLatency());
            latency(out, "raw producer: send -> consumed (baseline)", r.produceLatency());
        }
        line(out, "");
        line(out, "memory, whole JVM (the Kafka broker runs in it too):");
        line(out, "  live heap after GC: %.0f MiB before the relay started, %.0f MiB with the relay running (%+.0f MiB)",
                r.heapBaseline() / MIB, r.heapWithRelay() / MIB, (r.heapWithRelay() - r.heapBaseline()) / MIB);
        line(out, "  heap peak while draining: %.0f MiB (garbage included); RSS %s (peak %s)",
                r.heapPeak() / MIB, mib(r.rss()), mib(r.rssPeak()));
        CpuMeter.Usage cpu = r.cpu();
        line(out, "CPU while draining, cores of %d: this JVM %s, relay's walsender %s, whole machine %s (steal %s)",
                e.cpus(), cores(cpu.jvm()), cores(cpu.walsender()), cores(cpu.machine()), cores(cpu.steal()));
        line(out, "");
        line(out, "also: Relay.start took %,d ms (not timed), then the first event came after %,d ms (timed);",
                r.relayStartMillis(), r.firstEventMillis());
        line(out, "  from the first event on the relay ran at %,.0f events/s; the warm-up drain (cold JIT) at %,.0f events/s;",
                r.streamingEventsPerSecond(), r.warmupEventsPerSecond());
        line(out, "  raw decoding read %,d messages (BEGIN, RELATION, INSERT, COMMIT);", r.decode().messages());
        line(out, "  backlog written by one writer at %,.0f events/s (not a measure of the relay);",
                r.generateEventsPerSecond());
        line(out, "  records on average: key %.0f B, value %.0f B, headers %.0f B", r.recordSize().key(),
                r.recordSize().value(), r.recordSize().headers());
        if (r.relayed() != p.events()) {
            line(out, "WARNING: the drain added %,d records to the relay's topic, expected %,d", r.relayed(), p.events());
        }
        return out.toString();
    }

    static String json(BenchResult r) {
        try {
            return JSON.writeValueAsString(fields(r));
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the bench result as JSON", e);
        }
    }

    /** The JSON object: snake_case keys, rates in per second, times in ms or s as the key says, memory in MiB. */
    static Map<String, Object> fields(BenchResult r) {
        BenchParameters p = r.parameters();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("relay_events_per_s", Math.round(r.relayEventsPerSecond()));
        m.put("decode_rows_per_s", Math.round(r.decodeRowsPerSecond()));
        m.put("produce_msgs_per_s", Math.round(r.produceMessagesPerSecond()));
        m.put("relay_to_decode_ratio", round(r.relayEventsPerSecond() / r.decodeRowsPerSecond(), 3));
        m.put("relay_to_produce_ratio", round(r.relayEventsPerSecond() / r.produceMessagesPerSecond(), 3));
        m.put("relay_seconds", round(r.relaySeconds(), 3));
        m.put("decode_seconds", round(r.decode().seconds(), 3));
        m.put("produce_seconds", round(r.produceSeconds(), 3));
        m.put("decode_messages", r.decode().messages());
        m.put("relayed_records", r.relayed());
        latency(m, "latency_", r.relayLatency());
        latency(m, "produce_latency_", r.produceLatency());
        m.put("heap_baseline_mib", round(r.heapBaseline() / MIB, 1));
        m.put("heap_used_mib", round(r.heapWithRelay() / MIB, 1));
        m.put("heap_peak_mib", round(r.heapPeak() / MIB, 1));
        m.put("rss_mib", r.rss() < 0 ? null : round(r.rss() / MIB, 1));
        m.put("rss_peak_mib", r.rssPeak() < 0 ? null : round(r.rssPeak() / MIB, 1));
        m.put("cpu_jvm_cores", cores(r.cpu().jvm(), 2));
        m.put("cpu_walsender_cores", cores(r.cpu().walsender(), 2));
        m.put("cpu_machine_cores", cores(r.cpu().machine(), 2));
        m.put("cpu_steal_cores", cores(r.cpu().steal(), 2));
        m.put("relay_start_ms", r.relayStartMillis());
        m.put("relay_first_event_ms", r.firstEventMillis());
        m.put("relay_streaming_events_per_s", Math.round(r.streamingEventsPerSecond()));
        m.put("warmup_relay_events_per_s", Math.round(r.warmupEventsPerSecond()));
        m.put("generate_events_per_s", Math.round(r.generateEventsPerSecond()));
        m.put("record_key_bytes", round(r.recordSize().key(), 1));
        m.put("record_value_bytes", round(r.recordSize().value(), 1));
        m.put("record_headers_bytes", round(r.recordSize().headers(), 1));
        m.put("events", p.events());
        m.put("payload_bytes", p.payloadBytes());
        m.put("tx_size", p.txSize());
        m.put("warmup_events", p.warmupEvents());
        m.put("latency_events", p.latencyEvents());
        m.put("latency_rate", p.latencyRate());
        BenchResult.Environment e = r.environment();
        m.put("cpus", e.cpus());
        m.put("java_version", e.java());
        m.put("postgres_version", e.postgres());
        m.put("kafka_version", e.kafka());
        m.put("debezium_version", e.debezium());
        return m;
    }

    private static void latency(Map<String, Object> m, String prefix, LatencyProbe.Result l) {
        boolean none = l.samples() == 0;
        m.put(prefix + "p50_ms", none ? null : round(l.p50(), 2));
        m.put(prefix + "p90_ms", none ? null : round(l.p90(), 2));
        m.put(prefix + "p99_ms", none ? null : round(l.p99(), 2));
        m.put(prefix + "p999_ms", none ? null : round(l.p999(), 2));
        m.put(prefix + "max_ms", none ? null : round(l.max(), 2));
        m.put(prefix + "mean_ms", none ? null : round(l.mean(), 2));
        m.put(prefix + "samples", l.samples());
        m.put(prefix + "lost", l.lost());
    }

    private static void rate(StringBuilder out, String what, double rate, String unit, double seconds, double relay) {
        line(out, "%-52s %,9.0f %-8s %7.2f s %11.2f", what, rate, unit, seconds, relay / rate);
    }

    private static void latency(StringBuilder out, String what, LatencyProbe.Result l) {
        line(out, "%-52s %7.1f %7.1f %7.1f %7.1f %7.1f %5d", what, l.p50(), l.p90(), l.p99(), l.p999(), l.max(), l.lost());
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "unknown" : String.format(Locale.ROOT, "%,.0f MiB", bytes / MIB);
    }

    private static String cores(double cores) {
        return cores < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", cores);
    }

    private static Double cores(double cores, int decimals) {
        return cores < 0 ? null : round(cores, decimals);
    }

    private static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }

    private static void line(StringBuilder out, String format, Object... args) {
        out.append(String.format(Locale.ROOT, format, args)).append(System.lineSeparator());
    }
}
