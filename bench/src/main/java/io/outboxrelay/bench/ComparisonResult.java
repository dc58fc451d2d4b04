package io.outboxrelay.bench;

import java.util.List;

/**
 * Everything one side-by-side run measured.
 *
 * @param rates       the paced loads (events/s), the same for every contender
 * @param contenders  in the order they ran; the first one's drain rate set the loads
 * @param sqlDecode   PostgreSQL decoding the backlog in one SQL call
 * @param rawProducer Kafka alone
 */
record ComparisonResult(BenchParameters parameters, Environment environment, List<Double> rates,
                        List<ContenderResult> contenders, Baseline sqlDecode, Baseline rawProducer) {

    /** Where it ran. */
    record Environment(int cpus, String java, String postgres, String kafka, String debezium, String cpuModel) {
    }

    /**
     * A baseline's figures; -1 where not measured.
     *
     * @param cpuSeconds         its child's CPU time over the timed part
     * @param postgresCpuSeconds PostgreSQL's CPU time over the timed part
     */
    record Baseline(String name, String description, double seconds, double rate, double cpuSeconds,
                    double postgresCpuSeconds, long peakRssBytes, List<PacedLoad.Result> loads, String error) {
    }

    /** The first contender that ran without error, or null. */
    ContenderResult reference() {
        return contenders.stream().filter(c -> c.error() == null).findFirst().orElse(null);
    }

    ContenderResult contender(String name) {
        return contenders.stream().filter(c -> c.name().equals(name) && c.error() == null).findFirst().orElse(null);
    }
}
