package io.outboxrelay.pipeline.ops;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** The files of the repository's ops/ directory as the tests read them. */
final class OpsFiles {

    static final Path OPS = Path.of("..", "ops").toAbsolutePath().normalize();
    static final Path PROMETHEUS = OPS.resolve("prometheus");
    static final Path ALERTS = PROMETHEUS.resolve("alerts.yml");
    static final Path ALERTS_TEST = PROMETHEUS.resolve("alerts-test.yml");
    static final Path PROMETHEUS_CONFIG = PROMETHEUS.resolve("prometheus.yml");
    static final Path DASHBOARD = OPS.resolve("grafana/dashboards/outbox-relay.json");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private OpsFiles() {
    }

    static JsonNode yaml(Path file) throws IOException {
        return YAML.readTree(file.toFile());
    }

    /** Every rule of alerts.yml, of every group. */
    static List<JsonNode> alertRules() throws IOException {
        List<JsonNode> rules = new ArrayList<>();
        yaml(ALERTS).get("groups").forEach(group -> group.get("rules").forEach(rules::add));
        return rules;
    }

    static JsonNode dashboard() throws IOException {
        return JSON.readTree(DASHBOARD.toFile());
    }

    /** The dashboard's panel queries ({@code expr} of every target, rows' panels included). */
    static List<String> dashboardExpressions() throws IOException {
        List<String> out = new ArrayList<>();
        collectExpressions(dashboard().get("panels"), out);
        return out;
    }

    private static void collectExpressions(JsonNode panels, List<String> out) {
        for (JsonNode panel : panels) {
            panel.path("targets").forEach(t -> out.add(t.get("expr").asText()));
            if (panel.has("panels")) {
                collectExpressions(panel.get("panels"), out);
            }
        }
    }

    /** The queries of the dashboard's query variables ({@code label_values(metric, label)}). */
    static List<String> dashboardVariableQueries() throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonNode variable : dashboard().path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                JsonNode query = variable.get("query");
                out.add(query.isObject() ? query.get("query").asText() : query.asText());
            }
        }
        return out;
    }
}
