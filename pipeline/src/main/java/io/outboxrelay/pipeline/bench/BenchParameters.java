package io.outboxrelay.pipeline.bench;

/**
 * What one bench run does.
 *
 * @param events        outbox events in the measured backlog
 * @param payloadBytes  length of each event's JSON payload as written
 * @param txSize        events per writer transaction
 * @param warmupEvents  events drained (and produced) before anything is measured, to warm up the JIT
 * @param latencyEvents single-event transactions whose commit-to-consume latency is measured (0 skips)
 * @param latencyRate   how many of those per second
 */
record BenchParameters(int events, int payloadBytes, int txSize, int warmupEvents, int latencyEvents,
                       int latencyRate) {

    /** @return what is wrong with these parameters, or null */
    String problem() {
        if (events < 1) {
            return "--events must be at least 1";
        }
        if (payloadBytes < 0 || payloadBytes > 10 * 1024 * 1024) {
            return "--payload-bytes must be between 0 and 10485760";
        }
        if (txSize < 1) {
            return "--tx-size must be at least 1";
        }
        if (warmupEvents < 0) {
            return "--warmup must not be negative";
        }
        if (latencyEvents < 0) {
            return "--latency-events must not be negative";
        }
        if (latencyRate < 1 || latencyRate > 100_000) {
            return "--latency-rate must be between 1 and 100000";
        }
        return null;
    }
}
