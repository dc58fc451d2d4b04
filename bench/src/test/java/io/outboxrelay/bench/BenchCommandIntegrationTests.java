package io.outboxrelay.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine;

/**
 * The bench command end to end at toy sizes: the relay as a child JVM on real PostgreSQL and Kafka, the
 * baselines, the files. The figures themselves mean nothing at these sizes; what is pinned down is that
 * every event of every phase is accounted for.
 */
class BenchCommandIntegrationTests {

    /** testkit's embedded PostgreSQL superuser password. */
    private static final String EMBEDDED_PASSWORD = "outbox-test";

    @Test
    void benchMeasuresTheRelayAndTheBaselinesAndWritesTableJsonAndPlot(@TempDir Path results) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new BenchCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("--contenders", "relay", "--events", "3000", "--warmup", "1000", "--drain-rounds", "2", "--loads", "0.05",
                        "--load-seconds", "2", "--results", results.toString());

        assertThat(exit).as("exit code; output:%n%s%nerrors:%n%s", out, err).isZero();
        JsonNode json = new ObjectMapper().readTree(Files.readString(results.resolve("results.json")));
        JsonNode relay = json.get("contenders").get(0);
        assertThat(relay.get("error").isNull()).as(relay.toString()).isTrue();
        assertThat(relay.get("drain_events_per_s").asLong()).isPositive();
        assertThat(relay.get("cpu_seconds_per_100k").asDouble()).isPositive();
        assertThat(relay.get("peak_rss_mib").asLong()).isPositive();
        JsonNode load = relay.get("latency").get(0);
        double rate = json.get("loads_events_per_s").get(0).asDouble();
        // every paced event arrived and was timed
        assertThat(load.get("lost").asLong()).isZero();
        assertThat(load.get("samples").asLong()).isEqualTo(Math.round(rate * 2));
        assertThat(load.get("p99").asDouble()).isGreaterThanOrEqualTo(load.get("p50").asDouble()).isPositive();
        assertThat(json.get("sql-decode").get("events_per_s").asLong()).isPositive();
        assertThat(json.get("raw-producer").get("events_per_s").asLong()).isPositive();
        assertThat(json.get("raw-producer").get("latency").get(0).get("lost").asLong()).isZero();
        assertThat(Files.readString(results.resolve("results.txt"))).contains("relay", "sql-decode", "raw-producer",
                "targets for the relay");
        assertThat(Files.readString(results.resolve("latency.svg"))).startsWith("<svg").contains(">relay<");
        // the embedded superuser's password reaches the children only through their environment
        try (var files = Files.walk(results)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(file)).as(file.toString()).doesNotContain(EMBEDDED_PASSWORD);
            }
        }
        assertThat(results.resolve("logs").resolve("relay.log")).content().contains("Relay state RUNNING");
    }
}
