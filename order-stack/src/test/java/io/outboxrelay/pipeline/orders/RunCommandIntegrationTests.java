package io.outboxrelay.pipeline.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.pipeline.PipelineCli;

import picocli.CommandLine;

/** The main job end to end: orders through relay, read model, payments and compensation. */
class RunCommandIntegrationTests {

    @Test
    void ordersFlowThroughReadModelPaymentsAndCompensationWithEveryInvariantHolding() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exitCode;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exitCode = new CommandLine(new PipelineCli()).execute("run", "--orders", "400", "--failure-rate", "0.3",
                    "--json");
        }
        finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        System.out.println(output);
        // test logging also writes to stdout: the summary is the JSON object printed last
        int start = output.startsWith("{") ? 0 : output.lastIndexOf("\n{") + 1;
        JsonNode summary = new ObjectMapper().readTree(output.substring(start, output.lastIndexOf('}') + 1));

        assertThat(exitCode).isZero();
        assertThat(summary.get("ok").asBoolean()).isTrue();
        assertThat(summary.get("orders_placed").asLong()).isEqualTo(400);
        assertThat(summary.get("read_model_orders").asLong()).isEqualTo(400);
        assertThat(summary.get("payments_completed").asLong() + summary.get("payments_failed").asLong()
                + summary.get("credit_rejected").asLong()).as("one outcome per order").isEqualTo(400);
        assertThat(summary.get("payments_failed").asLong()).as("failures were injected").isPositive();
        assertThat(summary.get("orders_cancelled").asLong())
                .isEqualTo(summary.get("payments_failed").asLong() + summary.get("credit_rejected").asLong());
        // PaymentSettled and PaymentRefunded come on top, as many as the payments say (relayed ones counted first, so a
        // settlement the charger writes meanwhile may still be on its way)
        long orderEvents = 400 + 400 + summary.get("orders_cancelled").asLong();
        assertThat(summary.get("events_relayed").asLong()).as("OrderPlaced + payment outcome + OrderCancelled (+ settled, refunded)")
                .isBetween(orderEvents, orderEvents + summary.get("payments_settled").asLong()
                        + summary.get("payments_refunded").asLong());
        for (String zero : new String[] {"credit_limit_violations", "credit_mismatches", "duplicate_effects", "read_model_mismatches",
                "orders_without_outcome", "failed_not_cancelled"}) {
            assertThat(summary.get(zero).asLong()).as(zero).isZero();
        }
    }

    @Test
    void runsAgainstExternalPostgresAndKafkaGivenByConfigurationAndLeavesThemRunning() throws Exception {
        try (io.outboxrelay.testkit.PostgresInstance postgres = io.outboxrelay.testkit.Infrastructure.startPostgres();
             io.outboxrelay.testkit.KafkaInstance kafka = io.outboxrelay.testkit.Infrastructure.startKafka()) {
            String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder builder = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                    PipelineCli.class.getName(), "run", "--orders", "200", "--json",
                    "--postgres", postgres.host() + ":" + postgres.port(), "--postgres-user", postgres.superuser(),
                    "--kafka", kafka.bootstrapServers())
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().put("PGPASSWORD", postgres.superuserPassword());
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(3, java.util.concurrent.TimeUnit.MINUTES)).isTrue();

            assertThat(process.exitValue()).as(output).isZero();
            int start = output.startsWith("{") ? 0 : output.lastIndexOf("\n{") + 1;
            JsonNode summary = new ObjectMapper().readTree(output.substring(start, output.lastIndexOf('}') + 1));
            assertThat(summary.get("orders_placed").asLong()).isEqualTo(200);
            assertThat(summary.get("ok").asBoolean()).isTrue();
            // the databases were created on the external cluster, which is still up
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(postgres.jdbcUrl("legacy"),
                    postgres.superuser(), postgres.superuserPassword());
                 java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM legacy.orders")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(200);
            }

            // the consumers as a daemon on the same databases: SIGTERM is a clean stop, exit 0 (not 143)
            ProcessBuilder daemon = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                    PipelineCli.class.getName(), "consumers", "--http-port", "0",
                    "--postgres", postgres.host() + ":" + postgres.port(), "--postgres-user", postgres.superuser(),
                    "--kafka", kafka.bootstrapServers())
                    .redirectErrorStream(true);
            daemon.environment().put("PGPASSWORD", postgres.superuserPassword());
            Process consumers = daemon.start();
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(consumers.getInputStream(),
                    StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            for (String line = out.readLine(); line != null && !line.startsWith("Consumers read-model, payments and compensation running");
                 line = out.readLine()) {
                seen.append(line).append('\n');
            }
            assertThat(consumers.isAlive()).as("consumers started: " + seen).isTrue();
            consumers.toHandle().destroy(); // SIGTERM (Process.destroy would also close the output being read)
            StringBuilder rest = new StringBuilder();
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                rest.append(line).append('\n');
            }
            assertThat(consumers.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(consumers.exitValue()).as(rest.toString()).isZero();
            assertThat(rest.toString()).contains("Consumers stopped cleanly");
        }
    }
}
