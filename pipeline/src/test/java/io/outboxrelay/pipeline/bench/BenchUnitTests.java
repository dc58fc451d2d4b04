package io.outboxrelay.pipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine;

class BenchUnitTests {

    private static final ObjectMapper JSON = new ObjectMapper();

    static BenchResult result() {
        BenchParameters p = new BenchParameters(100_000, 200, 100, 50_000, 2000, 200);
        return new BenchResult(p, new BenchResult.Environment(2, "17.0.15", "17.11", "4.3.0", "3.6.1.Final"),
                2.0, 5.0, 300, 500, 5.0, 100_000, new RawDecode.Result(102_001, 0.5), 0.25,
                new BenchResult.RecordSize(7, 205, 146),
                new LatencyProbe.Result(2000, 0, 16.5, 25.0, 35.0, 40.0, 45.5, 17.0),
                new LatencyProbe.Result(2000, 0, 6.0, 7.0, 10.0, 12.0, 13.0, 6.2),
                180L << 20, 190L << 20, 800L << 20, 850L << 20, 1300L << 20, new CpuMeter.Usage(1.6, 0.2, 1.9, 0));
    }

    @Test
    void jsonCarriesTheThreeRatesAndTheirRatios() throws Exception {
        JsonNode json = JSON.readTree(BenchReport.json(result()));

        assertThat(json.get("relay_events_per_s").asLong()).isEqualTo(20_000);
        assertThat(json.get("decode_rows_per_s").asLong()).isEqualTo(200_000);
        assertThat(json.get("produce_msgs_per_s").asLong()).isEqualTo(400_000);
        assertThat(json.get("relay_to_decode_ratio").asDouble()).isEqualTo(0.1);
        assertThat(json.get("relay_to_produce_ratio").asDouble()).isEqualTo(0.05);
        assertThat(json.get("relay_streaming_events_per_s").asLong()).isEqualTo(22_222);
        assertThat(json.get("latency_p99_ms").asDouble()).isEqualTo(35.0);
        assertThat(json.get("produce_latency_p50_ms").asDouble()).isEqualTo(6.0);
        assertThat(json.get("heap_used_mib").asDouble()).isEqualTo(190.0);
        assertThat(json.get("events").asInt()).isEqualTo(100_000);
        assertThat(json.get("warmup_events").asInt()).isEqualTo(50_000);
    }

    @Test
    void skippedLatencyIsNullInJsonAndSaidInTheTable() {
        BenchResult r = result();
        BenchResult noLatency = new BenchResult(new BenchParameters(100_000, 200, 100, 50_000, 0, 200), r.environment(),
                r.generateSeconds(), r.warmupSeconds(), r.relayStartMillis(), r.firstEventMillis(), r.relaySeconds(),
                r.relayed(), r.decode(), r.produceSeconds(), r.recordSize(), LatencyProbe.Result.NONE,
                LatencyProbe.Result.NONE, r.heapBaseline(), r.heapWithRelay(), r.heapPeak(), r.rss(), r.rssPeak(), r.cpu());

        Map<String, Object> fields = BenchReport.fields(noLatency);

        assertThat(fields).containsEntry("latency_p50_ms", null).containsEntry("latency_samples", 0);
        assertThat(BenchReport.table(noLatency)).contains("latency: not measured");
    }

    @Test
    void tableShowsEachRateWithItsRatioToTheRelay() {
        String table = BenchReport.table(result());

        assertThat(table).containsPattern("relay: PostgreSQL -> Debezium -> Kafka, acked\\s+20,000 events/s\\s+5.00 s\\s+1.00")
                .containsPattern("raw logical decoding.*200,000 rows/s\\s+0.50 s\\s+0.10")
                .containsPattern("raw producer.*400,000 msgs/s\\s+0.25 s\\s+0.05")
                .contains("16.5", "+10 MiB")
                .doesNotContain("WARNING");
    }

    @Test
    void payloadIsJsonOfTheRequestedLength() throws Exception {
        String payload = EventWriter.payload("agg-17", 123_456, 200);

        assertThat(payload).hasSize(200);
        assertThat(JSON.readTree(payload).get("aggregateId").asText()).isEqualTo("agg-17");
        assertThat(JSON.readTree(EventWriter.payload("agg-1", 1, 0))).isNotNull();
    }

    @Test
    void badOptionsAreRejectedBeforeAnythingStarts() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCommand()).setErr(new PrintWriter(err));

        int exit = cli.execute("--tx-size", "0");

        assertThat(exit).isEqualTo(BenchCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("--tx-size must be at least 1");
    }

    @Test
    void helpListsOptionsAndExamples() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCommand()).setOut(new PrintWriter(out));

        assertThat(cli.execute("--help")).isZero();
        assertThat(out.toString()).contains("--events", "--payload-bytes", "--tx-size", "--warmup", "--json",
                "Examples:");
    }
}
