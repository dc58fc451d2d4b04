package io.outboxrelay.pipeline.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Everything one run measured; rates are derived here so the table and the JSON agree.
 *
 * @param relayed          records the measured drain added to the relay's topic (must equal events)
 * @param relayStartMillis how long {@code Relay.start} took (not part of relaySeconds)
 * @param firstEventMillis from the end of {@code Relay.start} to the first acknowledged event (part of relaySeconds)
 * @param warmupSeconds    the warm-up drain of {@code warmupEvents}, timed like the measured one
 * @param heapBaseline     live heap after GC just before the measured relay started (broker, clients, bench)
 * @param heapWithRelay    live heap after GC once the relay had drained the backlog and was still running
 * @param heapPeak         highest heap use sampled during the drain (garbage included)
 * @param cpu              cores busy during the drain: this JVM, the relay's walsender, the machine
 */
record BenchResult(BenchParameters parameters, Environment environment, double generateSeconds,
                   double warmupSeconds, long relayStartMillis, long firstEventMillis, double relaySeconds, long relayed,
                   RawDecode.Result decode, double produceSeconds, RecordSize recordSize,
                   LatencyProbe.Result relayLatency, LatencyProbe.Result produceLatency,
                   long heapBaseline, long heapWithRelay, long heapPeak, long rss, long rssPeak, CpuMeter.Usage cpu) {

    /** Where the run happened. */
    record Environment(int cpus, String java, String postgres, String kafka, String debezium) {
    }

    /** Average sizes of the records the relay wrote (and the raw producer copied), in bytes. */
    record RecordSize(double key, double value, double headers) {

        static RecordSize of(List<ConsumerRecord<byte[], byte[]>> records) {
            if (records.isEmpty()) {
                throw new IllegalStateException("could not read back any record the relay wrote");
            }
            long key = 0;
            long value = 0;
            long headers = 0;
            for (ConsumerRecord<byte[], byte[]> r : records) {
                key += r.key() == null ? 0 : r.key().length;
                value += r.value() == null ? 0 : r.value().length;
                for (Header h : r.headers()) {
                    headers += h.key().getBytes(StandardCharsets.UTF_8).length + (h.value() == null ? 0 : h.value().length);
                }
            }
            double n = records.size();
            return new RecordSize(key / n, value / n, headers / n);
        }
    }

    double relayEventsPerSecond() {
        return parameters.events() / relaySeconds;
    }

    /** The drain rate without the time the relay took to send its first event (connecting, starting the stream). */
    double streamingEventsPerSecond() {
        double streaming = relaySeconds - firstEventMillis / 1000.0;
        return streaming > 0 ? parameters.events() / streaming : 0;
    }

    double warmupEventsPerSecond() {
        return warmupSeconds > 0 ? parameters.warmupEvents() / warmupSeconds : 0;
    }

    double decodeRowsPerSecond() {
        return parameters.events() / decode.seconds();
    }

    double produceMessagesPerSecond() {
        return parameters.events() / produceSeconds;
    }

    double generateEventsPerSecond() {
        return parameters.events() / generateSeconds;
    }
}
