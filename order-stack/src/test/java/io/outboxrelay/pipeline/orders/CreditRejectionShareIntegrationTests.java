package io.outboxrelay.pipeline.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.pipeline.PipelineCli;

import picocli.CommandLine;

/**
 * Credit settles: with {@code run}'s default settings the share of orders rejected for credit stays about the same
 * (within 5 points) at a small and a ten times larger number of orders, instead of growing as reservations pile up
 * (issue 14 measured 22% at 3,000 and 83% at 20,000 before settlement). Minutes long at the default sizes, so only
 * with {@code -Dpipeline.full=true} (sizes: {@code -Drejection.sizes=3000,30000}); see README "Tests".
 */
@EnabledIfSystemProperty(named = "pipeline.full", matches = "true")
class CreditRejectionShareIntegrationTests {

    @Test
    void creditRejectionShareStaysWithinFivePointsAtTenTimesTheOrders() throws Exception {
        List<Double> shares = new ArrayList<>();
        for (String size : System.getProperty("rejection.sizes", "3000,30000").split(",")) {
            JsonNode summary = run(Integer.parseInt(size.trim()));
            assertThat(summary.get("ok").asBoolean()).as("every invariant holds at %s orders", size).isTrue();
            double share = 100.0 * summary.get("credit_rejected").asLong() / summary.get("orders_placed").asLong();
            System.out.printf("credit rejections at %s orders: %.1f%%%n", size, share);
            shares.add(share);
        }
        assertThat(shares.get(shares.size() - 1)).as("rejection share (%%) at the largest size vs the smallest")
                .isCloseTo(shares.get(0), Offset.offset(5.0));
    }

    private static JsonNode run(int orders) throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exitCode;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exitCode = new CommandLine(new PipelineCli()).execute("run", "--orders", String.valueOf(orders), "--timeout", "PT15M", "--json");
        }
        finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        assertThat(exitCode).as("run --orders %d", orders).isZero();
        // test logging also writes to stdout: the summary is the JSON object printed last
        int start = output.startsWith("{") ? 0 : output.lastIndexOf("\n{") + 1;
        return new ObjectMapper().readTree(output.substring(start, output.lastIndexOf('}') + 1));
    }
}
