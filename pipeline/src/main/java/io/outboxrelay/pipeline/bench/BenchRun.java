package io.outboxrelay.pipeline.bench;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.AppInfoParser;

import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.config.RelayConfig;

/**
 * One bench run, step by step, on its own PostgreSQL and Kafka:
 * <ol>
 * <li>warm-up: the relay drains a backlog of warm-up events and the raw producer sends as many,
 *     so the JIT has compiled the hot paths before anything is measured (on 2 cores a cold relay
 *     runs at about half speed);</li>
 * <li>a second slot is created, then the measured backlog is written once, seen by both slots;</li>
 * <li>PostgreSQL decodes the second slot in one SQL call (raw decoding rate);</li>
 * <li>the relay starts on its own slot and drains the same backlog (relay rate, memory, CPU),
 *     then, idle, relays single-event transactions at a steady rate (latency);</li>
 * <li>with the relay stopped, the raw producer sends copies of the records the relay wrote
 *     (raw producing rate), then single records at the same steady rate (baseline latency).</li>
 * </ol>
 * The steps run one after another, so no measurement competes with another for the two cores.
 */
final class BenchRun {

    /** Relayed records the raw producer copies (round robin). */
    private static final int SAMPLE_RECORDS = 1000;

    private final BenchParameters params;
    private final PrintWriter progress;
    private final long benchStart = System.nanoTime();
    private PostgresProbe postgres;

    /** @param progress where to report each step as it starts (never where the result goes in --json mode) */
    BenchRun(BenchParameters params, PrintWriter progress) {
        this.params = params;
        this.progress = progress;
    }

    BenchResult run() throws Exception {
        step("starting PostgreSQL and Kafka");
        try (BenchEnvironment env = BenchEnvironment.start()) {
            return run(env);
        }
    }

    private BenchResult run(BenchEnvironment env) throws Exception {
        postgres = new PostgresProbe(env.dataSource());
        RelayConfig config = env.relayConfig();
        BenchResult.Environment where = new BenchResult.Environment(Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), postgres.postgresVersion(), AppInfoParser.getVersion(),
                io.debezium.connector.postgresql.Module.version());
        try (EventWriter writer = new EventWriter(env.dataSource(), params.payloadBytes());
             RawProducer producer = new RawProducer(config, BenchEnvironment.RAW_TOPIC)) {
            double warmupSeconds = warmUp(env, config, writer, producer);
            long offsetBefore = env.endOffset(BenchEnvironment.RELAY_TOPIC);
            Backlog backlog = writeAndDecode(env, writer);
            long heapBaseline = JvmUsage.heapLiveAfterGc();
            RelayPhase relay = relay(env, config, writer, offsetBefore);

            List<ConsumerRecord<byte[], byte[]>> sample = env.read(BenchEnvironment.RELAY_TOPIC, offsetBefore, SAMPLE_RECORDS);
            step("raw producer: sending %,d copies of relayed records", params.events());
            double produceSeconds = producer.sendAll(sample, params.events());
            step("  %,d records in %.2f s", params.events(), produceSeconds);
            LatencyProbe.Result produceLatency = latency(env, BenchEnvironment.RAW_TOPIC,
                    "raw producer latency: %,d records at %,d/s", id -> producer.sendOne(sample.get(0), id));

            return new BenchResult(params, where, backlog.generateSeconds(), warmupSeconds, relay.startMillis(),
                    relay.drain().firstMillis(), relay.drain().seconds(), relay.relayed(), backlog.decode(),
                    produceSeconds, BenchResult.RecordSize.of(sample), relay.latency(), produceLatency, heapBaseline,
                    relay.heapLive(), relay.drain().heapPeak(), relay.rss(), relay.rssPeak(), relay.drain().cpu());
        }
    }

    private record Backlog(double generateSeconds, RawDecode.Result decode) {
    }

    /** Writes the measured backlog, seen by the relay's slot and a fresh second one, and decodes the second. */
    private Backlog writeAndDecode(BenchEnvironment env, EventWriter writer) throws Exception {
        try (RawDecode raw = RawDecode.createSlot(env.dataSource())) {
            step("writing the measured backlog: %,d events, one writer", params.events());
            double generateSeconds = writer.write(params.events(), params.txSize());
            step("raw decoding: emptying slot %s in one SQL call", RawDecode.SLOT);
            RawDecode.Result decode = raw.decodeAll();
            step("  %,d messages in %.2f s", decode.messages(), decode.seconds());
            return new Backlog(generateSeconds, decode);
        }
    }

    /**
     * @param relayed records the drain added to the relay's topic
     * @param heapLive live heap after GC, relay running and idle
     */
    private record RelayPhase(long startMillis, Drain drain, long relayed, long heapLive, long rss, long rssPeak,
                              LatencyProbe.Result latency) {
    }

    /** The relay drains the backlog (timed from the return of Relay.start), then relays the latency probes. */
    private RelayPhase relay(BenchEnvironment env, RelayConfig config, EventWriter writer, long offsetBefore)
            throws Exception {
        step("relay draining the backlog");
        long startedAt = System.nanoTime();
        try (Relay relay = Relay.start(config)) {
            long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt);
            Drain drain = Drain.await(relay, params.events(), () -> postgres.activePid(BenchEnvironment.RELAY_SLOT));
            step("  %,d events in %.2f s (Relay.start took %,d ms before that)", params.events(), drain.seconds(),
                    startMillis);
            long heapLive = JvmUsage.heapLiveAfterGc();
            long rss = JvmUsage.rssBytes();
            long rssPeak = JvmUsage.peakRssBytes();
            // read after the GC pause: a duplicate sent after the count was reached shows up here
            long relayed = env.endOffset(BenchEnvironment.RELAY_TOPIC) - offsetBefore;
            LatencyProbe.Result latency = latency(env, BenchEnvironment.RELAY_TOPIC,
                    "relay latency: %,d single-event transactions at %,d/s", writer::writeOne);
            return new RelayPhase(startMillis, drain, relayed, heapLive, rss, rssPeak, latency);
        }
    }

    private void step(String format, Object... args) {
        progress.printf(Locale.ROOT, "[%5.1f s] %s%n", (System.nanoTime() - benchStart) / 1e9,
                String.format(Locale.ROOT, format, args));
        progress.flush();
    }

    /** @return seconds the relay took to drain the warm-up backlog (0 without warm-up) */
    private double warmUp(BenchEnvironment env, RelayConfig config, EventWriter writer, RawProducer producer)
            throws Exception {
        // snapshot.mode=no_data: the relay streams what is committed after its slot was created. Created
        // here rather than by a first start, so the relay is never stopped right after starting: that
        // hung Relay.close for its 5-minute timeout in about half the tries (Debezium 3.6.1).
        postgres.createSlot(BenchEnvironment.RELAY_SLOT);
        if (params.warmupEvents() == 0) {
            return 0;
        }
        step("warm-up: writing %,d events", params.warmupEvents());
        writer.write(params.warmupEvents(), params.txSize());
        String warmupEnd = postgres.walPosition();
        step("warm-up: relay draining them");
        double seconds;
        try (Relay relay = Relay.start(config)) {
            seconds = Drain.await(relay, params.warmupEvents(), () -> -1).seconds();
            step("  %,d events in %.2f s", params.warmupEvents(), seconds);
            catchUpSlot(env, writer, relay, warmupEnd);
        }
        step("warm-up: raw producer sending %,d records", params.warmupEvents());
        producer.sendAll(env.read(BenchEnvironment.RELAY_TOPIC, 0, SAMPLE_RECORDS), params.warmupEvents());
        return seconds;
    }

    /**
     * After a restart PostgreSQL decodes a slot again from its restart_lsn, which moves only when the
     * decoder has passed a running-transactions record and the client then confirms a later position.
     * Left alone, the measured drain would begin by re-decoding much of the warm-up (1-2 s here),
     * which the fresh raw-decoding slot does not pay. So, until restart_lsn has passed the warm-up:
     * a checkpoint logs such a record and a marker event gets relayed past it. Usually twice, because
     * Debezium confirms the commit position of the transaction before the last one it relayed.
     *
     * @param warmupEnd the WAL position after the warm-up events were written
     */
    private void catchUpSlot(BenchEnvironment env, EventWriter writer, Relay relay, String warmupEnd)
            throws Exception {
        long relayed = relay.stats().relayed();
        for (int marker = 1; marker <= 10; marker++) {
            // again each round: PostgreSQL ignores the record while an older candidate position is pending
            postgres.checkpoint();
            writer.write(1, 1);
            Drain.await(relay, relayed + marker, () -> -1);
            // Debezium confirms positions when it saves offsets (offset.flush.interval.ms, 1 s)
            if (postgres.awaitRestartLsn(BenchEnvironment.RELAY_SLOT, warmupEnd, 1500)) {
                return;
            }
        }
        step("  note: the relay's slot did not move past %s; the drain starts by re-decoding the warm-up", warmupEnd);
    }

    private LatencyProbe.Result latency(BenchEnvironment env, String topic, String step, LatencyProbe.Source source)
            throws Exception {
        if (params.latencyEvents() == 0) {
            return LatencyProbe.Result.NONE;
        }
        step(step, params.latencyEvents(), params.latencyRate());
        try (LatencyProbe probe = LatencyProbe.start(env, topic)) {
            return probe.measure(params.latencyEvents(), params.latencyRate(), source);
        }
    }
}
