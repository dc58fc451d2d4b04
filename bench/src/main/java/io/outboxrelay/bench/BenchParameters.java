package io.outboxrelay.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What one bench run does.
 *
 * @param events           outbox events in the measured backlog
 * @param payloadBytes     length of each event's JSON payload as written
 * @param txSize           events per writer transaction in the backlogs
 * @param warmupEvents     events each contender drains before anything is measured, to warm up its JIT
 * @param drainRounds      how many times the measured backlog is written and drained; the median round counts
 * @param loads            paced loads as fractions of the first contender's drain rate (empty: no latency)
 * @param rates            paced loads in events/s, the same for every contender; when given, instead of {@code loads}
 * @param loadSeconds      how long each paced load lasts
 * @param contenders       which contenders run, in this order
 * @param jvmOptions       options of every contender's child JVM
 * @param relaySettings    further relay settings for the relay contender (and the raw producer's settings)
 * @param resultsDirectory where the table, JSON, plot and logs go
 */
record BenchParameters(int events, int payloadBytes, int txSize, int warmupEvents, int drainRounds, List<Double> loads,
                       List<Double> rates, double loadSeconds, List<String> contenders, List<String> jvmOptions,
                       Map<String, String> relaySettings, Path resultsDirectory) {

    /** Every contender the bench knows, in its default order. */
    static final List<String> CONTENDERS = List.of(RelayContender.NAME, RelayContender.EXACTLY_ONCE_NAME, RelayContender.MESSAGES_NAME,
            ConnectContender.NAME, PollingContender.NAME, StreamingDecodeContender.NAME);

    /** @return what is wrong with these parameters, or null */
    String problem() {
        if (events < 1) {
            return "--events must be at least 1";
        }
        if (payloadBytes < 0 || payloadBytes > 900 * 1024) {
            return "--payload-bytes must be between 0 and 921600 (the relay's producer sends records up to 1 MiB)";
        }
        if (txSize < 1) {
            return "--tx-size must be at least 1";
        }
        if (warmupEvents < 0) {
            return "--warmup must not be negative";
        }
        if (drainRounds < 1) {
            return "--drain-rounds must be at least 1";
        }
        if (loads.stream().anyMatch(f -> f <= 0 || f > 2)) {
            return "--loads must be fractions of the drain rate above 0 and at most 2, e.g. 0.1,0.25,0.5,0.75";
        }
        if (rates.stream().anyMatch(r -> r < 1)) {
            return "--rates must be events per second of at least 1, e.g. 5000,10000,20000";
        }
        if (loadSeconds < 1) {
            return "--load-seconds must be at least 1";
        }
        if (contenders.isEmpty()) {
            return "--contenders must name at least one of " + String.join(",", CONTENDERS);
        }
        for (String c : contenders) {
            if (!CONTENDERS.contains(c)) {
                return "--contenders: unknown contender '" + c + "'; known: " + String.join(",", CONTENDERS);
            }
        }
        return null;
    }
}
