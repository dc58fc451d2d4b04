package io.outboxrelay.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine;

class BenchUnitTests {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static PacedLoad.Result load(double rate, double p50, double p99) {
        return new PacedLoad.Result(rate, rate, (long) rate * 10, 0, p50, p99, p99 * 1.5, p99 * 2);
    }

    private static ContenderResult contender(String name, double rate, long rssMib, List<PacedLoad.Result> loads) {
        return new ContenderResult(name, name + " described", 1500, rate / 2, 100_000 / rate, rate,
                List.of(rate * 0.9, rate, rate * 1.2), 1.5, 0.5, 1.9,
                rssMib << 20, loads, null);
    }

    static ComparisonResult result() {
        BenchParameters p = new BenchParameters(100_000, 200, 100, 50_000, 3, List.of(0.25, 0.5), List.of(), 10, List.of("relay"),
                List.of("-Xmx512m"), Map.of(), Path.of("/tmp/x"));
        List<Double> rates = List.of(10_000.0, 20_000.0);
        return new ComparisonResult(p, new ComparisonResult.Environment(2, "17.0.15", "17.11", "4.3.0", "3.6.1.Final",
                "test cpu"), rates, List.of(
                contender("relay", 40_000, 400, List.of(load(10_000, 12, 30), load(20_000, 15, 45))),
                contender("kafka-connect", 16_000, 700, List.of(load(10_000, 300, 600), load(20_000, 5000, 9000))),
                ContenderResult.failed("polling", "polling described", "it broke\nsecond line"),
                contender("streaming-decode", 50_000, 100, List.of())),
                new ComparisonResult.Baseline("sql-decode", "sql", 1, 100_000, -1, 0.8, -1, List.of(), null),
                new ComparisonResult.Baseline("raw-producer", "producer", 0.5, 200_000, 0.9, -1, 300 << 20,
                        List.of(load(10_000, 2, 5), load(20_000, 3, 8)), null));
    }

    @Test
    void tableShowsRatesRelativeToTheFirstContenderAndTheTargetsMetOrNot() {
        String table = ComparisonReport.table(result());

        assertThat(table)
                .containsPattern("relay\\s+40,000\\s+1.00.*36,000-48,000")
                .contains("the median of 3 rounds")
                .containsPattern("kafka-connect\\s+16,000\\s+0.40")
                .containsPattern("polling\\s+FAILED: it broke")
                .containsPattern("raw-producer\\s+200,000\\s+5.00")
                .containsPattern("drain vs Debezium on Kafka Connect\\s+2.50x\\s+target >= 2.0x\\s+met")
                .containsPattern("drain vs PostgreSQL streaming decode\\s+0.80x\\s+target >= 0.8x\\s+met")
                .containsPattern("p99 at 20,000 events/s .*45.00 ms\\s+target <= 50.0 ms\\s+met")
                .containsPattern("peak resident memory\\s+400.00 MiB\\s+target <= 512.0 MiB\\s+met")
                .contains("12 / 30 / 45", "5000 / 9000 / 13500")
                .doesNotContain("second line");
    }

    @Test
    void targetsNotMetAreSaidSo() {
        ComparisonResult r = result();
        ComparisonResult slow = new ComparisonResult(r.parameters(), r.environment(), r.rates(), List.of(
                contender("relay", 20_000, 600, List.of(load(10_000, 40, 80))), r.contenders().get(1)),
                r.sqlDecode(), r.rawProducer());

        assertThat(ComparisonReport.table(slow))
                .containsPattern("Kafka Connect\\s+1.25x.*NOT MET")
                .containsPattern("p99 at 10,000 events/s.*80.00 ms.*NOT MET")
                .containsPattern("peak resident memory\\s+600.00 MiB.*NOT MET");
    }

    @Test
    void jsonCarriesEveryContenderAndBaseline() throws Exception {
        JsonNode json = JSON.readTree(ComparisonReport.json(result()));

        assertThat(json.get("events").asInt()).isEqualTo(100_000);
        assertThat(json.get("loads_events_per_s").get(1).asDouble()).isEqualTo(20_000);
        JsonNode relay = json.get("contenders").get(0);
        assertThat(relay.get("name").asText()).isEqualTo("relay");
        assertThat(relay.get("drain_events_per_s").asLong()).isEqualTo(40_000);
        assertThat(relay.get("drain_events_per_s_rounds").toString()).isEqualTo("[36000,40000,48000]");
        assertThat(relay.get("cpu_seconds_per_100k").asDouble()).isEqualTo(1.5);
        assertThat(relay.get("peak_rss_mib").asLong()).isEqualTo(400);
        assertThat(relay.get("latency").get(1).get("p99").asDouble()).isEqualTo(45);
        assertThat(json.get("contenders").get(2).get("error").asText()).startsWith("it broke");
        assertThat(json.get("sql-decode").get("events_per_s").asLong()).isEqualTo(100_000);
        assertThat(json.get("raw-producer").get("peak_rss_mib").asLong()).isEqualTo(300);
    }

    @Test
    void plotIsAnSvgWithALineAndLegendPerContenderWithLatencies() throws Exception {
        String svg = LatencyPlot.svg(result());

        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(svg.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(doc.getDocumentElement().getNodeName()).isEqualTo("svg");
        // relay, kafka-connect, raw-producer: p99 and p50 each; streaming-decode has no loads, polling failed
        assertThat(doc.getElementsByTagName("polyline").getLength()).isEqualTo(6);
        assertThat(svg).contains(">relay<", ">kafka-connect<", ">raw-producer<").doesNotContain(">polling<");
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

        assertThat(cli.execute("--tx-size", "0")).isEqualTo(BenchCommand.EXIT_USAGE);
        assertThat(cli.execute("--contenders", "relay,nosuch")).isEqualTo(BenchCommand.EXIT_USAGE);
        assertThat(cli.execute("--loads", "0.5,3")).isEqualTo(BenchCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("--tx-size must be at least 1", "unknown contender 'nosuch'",
                "--loads must be fractions");
    }

    @Test
    void helpListsOptionsAndExamples() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCommand()).setOut(new PrintWriter(out));

        assertThat(cli.execute("--help")).isZero();
        assertThat(out.toString()).contains("--events", "--payload-bytes", "--tx-size", "--warmup", "--loads",
                "--contenders", "--jvm-options", "--relay-setting", "--results", "--json", "Examples:");
    }
}
