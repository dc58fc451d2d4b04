package io.outboxrelay.pipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * ops/grafana/dashboards/outbox-relay.json: its queries are PromQL, it shows every metric of the relay, the
 * consumers and the payments, and it asks Prometheus through the data source variable, so that it works
 * provisioned (compose.yaml) and imported alike. That the metrics it reads exist: AlertRulesUnitTests.
 */
class GrafanaDashboardUnitTests {

    private static final List<String> OURS = List.of("outbox_relay_", "consumer_", "payments_");
    private static final String DATA_SOURCE = "${DS_PROMETHEUS}";

    @Test
    void everyPanelQueryIsValidPromQL(@TempDir Path dir) throws Exception {
        Optional<Path> promtool = Promtool.find();
        assumeTrue(promtool.isPresent(), Promtool.MISSING);
        // promtool parses a recording rule's expression; Grafana's variables replaced by what they stand for
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        List<String> expressions = OpsFiles.dashboardExpressions();
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < expressions.size(); i++) {
            String expr = expressions.get(i).replace("$__rate_interval", "1m").replaceAll("\\$\\{?\\w+}?", ".*");
            rules.append("      - record: dashboard_query_").append(i).append("\n        expr: ")
                    .append(json.writeValueAsString(expr)).append('\n');
        }
        Files.writeString(dir.resolve("dashboard-queries.yml"), rules);
        Promtool.Result result = Promtool.run(promtool.get(), dir, "check", "rules", "dashboard-queries.yml");
        assertThat(result.exitCode()).as("promtool check rules on the dashboard's queries:%n%s%n%s", result.output(), rules)
                .isZero();
    }

    @Test
    void everyMetricOfTheRelayTheConsumersAndThePaymentsIsOnTheDashboard() throws Exception {
        Set<String> shown = new TreeSet<>();
        OpsFiles.dashboardExpressions().forEach(e -> shown.addAll(PromQL.metricNames(e)));
        Map<String, String> families = ExportedMetrics.scrape().families();
        Set<String> notShown = new TreeSet<>();
        for (String family : families.keySet()) {
            if (OURS.stream().anyMatch(family::startsWith) && !isShown(family, families, shown)) {
                notShown.add(family);
            }
        }
        assertThat(notShown).as("exported metrics no panel shows (dashboard queries read %s)", shown).isEmpty();
    }

    /**
     * A summary or histogram is shown when one of its series is; the {@code _max} gauge Micrometer adds beside a
     * timer or distribution summary when the summary itself is (its mean tells the story).
     */
    private static boolean isShown(String family, Map<String, String> families, Set<String> shown) {
        String type = families.get(family);
        if (type.equals("summary") || type.equals("histogram")) {
            return Stream.of("", "_count", "_sum", "_bucket").anyMatch(suffix -> shown.contains(family + suffix));
        }
        String base = family.endsWith("_max") ? family.substring(0, family.length() - "_max".length()) : null;
        if (base != null && families.containsKey(base) && !families.get(base).equals("gauge")) {
            return shown.contains(family) || isShown(base, families, shown);
        }
        return shown.contains(family);
    }

    @Test
    void everyQueryGoesThroughThePrometheusDataSourceVariable() throws Exception {
        JsonNode dashboard = OpsFiles.dashboard();
        assertThat(dashboard.get("schemaVersion").asInt()).isGreaterThanOrEqualTo(39);
        JsonNode variable = null;
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("name").asText().equals("DS_PROMETHEUS")) {
                variable = v;
            }
        }
        assertThat(variable).as("templating variable DS_PROMETHEUS").isNotNull();
        assertThat(variable.path("type").asText()).isEqualTo("datasource");
        assertThat(variable.path("query").asText()).isEqualTo("prometheus");
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(ids.add(panel.get("id").asInt())).as("panel id %s unique", panel.get("id")).isTrue();
            JsonNode grid = panel.get("gridPos");
            assertThat(grid.get("x").asInt() + grid.get("w").asInt()).as(panel.get("title").asText()).isLessThanOrEqualTo(24);
            if (panel.get("type").asText().equals("row")) {
                continue;
            }
            assertThat(panel.path("datasource").path("uid").asText()).as(panel.get("title").asText()).isEqualTo(DATA_SOURCE);
            assertThat(panel.path("targets")).as(panel.get("title").asText()).isNotEmpty();
            for (JsonNode target : panel.get("targets")) {
                assertThat(target.path("datasource").path("uid").asText()).as(panel.get("title").asText()).isEqualTo(DATA_SOURCE);
            }
        }
    }
}
