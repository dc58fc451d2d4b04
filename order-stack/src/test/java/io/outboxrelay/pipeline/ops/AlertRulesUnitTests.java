package io.outboxrelay.pipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * ops/prometheus/alerts.yml: valid for Prometheus, each rule pinned by a promtool unit test that fires and one
 * that does not, and every metric it or the Grafana dashboard reads exported by the code, so that renaming a
 * meter fails the build instead of silencing an alert.
 */
class AlertRulesUnitTests {

    /** Series Prometheus makes itself for every scrape target, not exported by our code. */
    private static final Set<String> PROMETHEUS_OWN = Set.of("up");

    @Test
    void promtoolAcceptsTheRulesAndTheConfigurationAndTheRulesPassTheirUnitTests() throws Exception {
        Optional<Path> promtool = Promtool.find();
        assumeTrue(promtool.isPresent(), Promtool.MISSING);
        assertPromtool(promtool.get(), "check", "rules", OpsFiles.ALERTS.getFileName().toString());
        assertPromtool(promtool.get(), "test", "rules", OpsFiles.ALERTS_TEST.getFileName().toString());
        assertPromtool(promtool.get(), "check", "config", OpsFiles.PROMETHEUS_CONFIG.getFileName().toString());
    }

    @Test
    void everyMetricTheRulesAndTheDashboardReadIsExportedByTheRelayOrTheConsumers() throws Exception {
        ExportedMetrics exported = ExportedMetrics.scrape();
        Map<String, List<String>> usedBy = new LinkedHashMap<>();
        for (JsonNode rule : OpsFiles.alertRules()) {
            PromQL.metricNames(rule.get("expr").asText()).forEach(
                    name -> usedBy.computeIfAbsent(name, n -> new ArrayList<>()).add("alert " + rule.get("alert").asText()));
        }
        for (String query : concat(OpsFiles.dashboardExpressions(), OpsFiles.dashboardVariableQueries())) {
            PromQL.metricNames(query).forEach(
                    name -> usedBy.computeIfAbsent(name, n -> new ArrayList<>()).add("dashboard query " + query));
        }
        assertThat(usedBy).as("metrics read by the rules and the dashboard").containsKeys("outbox_relay_wal_retained_bytes",
                "outbox_relay_state", "consumer_lag_seconds", "payments_pending_oldest_age_seconds");

        Map<String, List<String>> missing = new LinkedHashMap<>(usedBy);
        missing.keySet().removeAll(exported.samples());
        missing.keySet().removeAll(PROMETHEUS_OWN);
        assertThat(missing).as("metrics read by ops/ that the code does not export (exported: %s)", exported.samples())
                .isEmpty();
    }

    @Test
    void everyRuleWaitsBeforeFiringAndSaysHowSevereItIsAndWhatToDo() throws Exception {
        List<JsonNode> rules = OpsFiles.alertRules();
        assertThat(rules).isNotEmpty();
        Set<String> names = new HashSet<>();
        for (JsonNode rule : rules) {
            String name = rule.path("alert").asText();
            assertThat(name).as("every rule is an alert with a name: %s", rule).isNotBlank();
            assertThat(names.add(name)).as("alert %s defined once", name).isTrue();
            assertThat(rule.path("for").asText()).as("%s for:", name).matches("[1-9][0-9]*[smh]");
            assertThat(rule.path("labels").path("severity").asText()).as("%s severity", name).isIn("warning", "critical");
            assertThat(rule.path("annotations").path("summary").asText()).as("%s summary", name).isNotBlank();
            assertThat(rule.path("annotations").path("description").asText()).as("%s description", name).isNotBlank();
        }
    }

    @Test
    void everyRuleHasAPromtoolCaseWhereItFiresAndOneWhereItDoesNot() throws Exception {
        Set<String> fires = new TreeSet<>();
        Set<String> silent = new TreeSet<>();
        for (JsonNode test : OpsFiles.yaml(OpsFiles.ALERTS_TEST).get("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                (check.path("exp_alerts").isEmpty() ? silent : fires).add(check.get("alertname").asText());
            }
        }
        for (JsonNode rule : OpsFiles.alertRules()) {
            String name = rule.get("alert").asText();
            assertThat(fires).as("alerts-test.yml has a case where %s fires", name).contains(name);
            assertThat(silent).as("alerts-test.yml has a case where %s does not fire", name).contains(name);
        }
    }

    @Test
    void metricNamesAreTakenFromPromQLWithoutFunctionsLabelsDurationsNumbersOrGrafanaVariables() {
        assertThat(PromQL.metricNames("max by (relay) (deriv(a_bytes[15m])) > 1e9\nand on (relay)"
                + " sum by (relay) (rate(b_total{state=\"RUNNING\", relay=~\"$relay\"}[$__rate_interval])) == 0"))
                .containsExactly("a_bytes", "b_total");
        assertThat(PromQL.metricNames("sum without (instance) (c) / ignoring(x) group_left(y) d offset 5m"))
                .containsExactly("c", "d");
        assertThat(PromQL.metricNames("up{job=~\"a|b\"} == 0")).containsExactly("up");
        assertThat(PromQL.metricNames("label_values(consumer_events_total, group)")).containsExactly("consumer_events_total");
        assertThat(PromQL.metricNames("histogram_quantile(0.99, sum by (le) (rate(e_bucket[5m])))")).containsExactly("e_bucket");
    }

    private static void assertPromtool(Path promtool, String... args) throws Exception {
        Promtool.Result result = Promtool.run(promtool, OpsFiles.PROMETHEUS, args);
        assertThat(result.exitCode()).as("promtool %s in %s exited %d:%n%s", String.join(" ", args), OpsFiles.PROMETHEUS,
                result.exitCode(), result.output()).isZero();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
