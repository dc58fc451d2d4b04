package io.outboxrelay.bench;

import java.util.List;

/**
 * One contender's figures.
 *
 * @param startupMillis     from launching the child until it was ready
 * @param warmupRate        events/s while draining the warm-up backlog (cold JIT, includes the first connection)
 * @param drainSeconds      from resuming the paused child until the whole measured backlog was delivered
 * @param drainRate         measured backlog / drainSeconds: the throughput figure (of the median round)
 * @param roundRates        the drain rate of every round, in the order run (the figures here are the median round's)
 * @param cpuSeconds        CPU time of the child while draining
 * @param postgresCpuSeconds CPU time of the whole PostgreSQL server while draining (walsender, backends)
 * @param machineCores      average cores busy on the whole machine while draining (tells a disturbed run)
 * @param peakRssBytes      highest resident memory of the child over its whole turn
 * @param loads             latency at each paced load, in the order run
 * @param error             why the turn failed, or null
 */
record ContenderResult(String name, String description, long startupMillis, double warmupRate, double drainSeconds,
                       double drainRate, List<Double> roundRates, double cpuSeconds, double postgresCpuSeconds, double machineCores,
                       long peakRssBytes, List<PacedLoad.Result> loads, String error) {

    static ContenderResult failed(String name, String description, String error) {
        return new ContenderResult(name, description, -1, 0, 0, 0, List.of(), -1, -1, -1, -1, List.of(), error);
    }

    /** The slowest and the fastest round's drain rate. */
    double minRoundRate() {
        return roundRates.stream().mapToDouble(Double::doubleValue).min().orElse(drainRate);
    }

    double maxRoundRate() {
        return roundRates.stream().mapToDouble(Double::doubleValue).max().orElse(drainRate);
    }

    /** CPU seconds of the child per 100,000 events drained; -1 if unknown. */
    double cpuPer100k(long events) {
        return cpuSeconds < 0 ? -1 : cpuSeconds * 100_000 / events;
    }

    double postgresCpuPer100k(long events) {
        return postgresCpuSeconds < 0 ? -1 : postgresCpuSeconds * 100_000 / events;
    }
}
