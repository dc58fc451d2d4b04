package io.outboxrelay.pipeline.compose;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.outboxrelay.pipeline.PipelineCli;
import io.outboxrelay.pipeline.compose.ComposeFile.Service;
import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.config.Setting;

import picocli.CommandLine;

/**
 * compose.yaml cannot be run here (no Docker), so this pins down that it refers to what the project
 * builds and accepts: image names from the poms, commands the CLIs parse, configuration files that
 * exist and validate, environment variables the relay reads, and hosts, ports and roles that match
 * across services, including what Prometheus scrapes and what Prometheus and Grafana mount from ops/.
 */
class ComposeFileUnitTests {

    private static final String RELAY_IMAGE = System.getProperty("image.relay");
    private static final String PIPELINE_IMAGE = System.getProperty("image.pipeline");
    /** Read by 'relay attach' besides the settings' own variables. */
    private static final List<String> ATTACH_VARIABLES = List.of("RELAY_ADMIN_PASSWORD", "RELAY_ROLE_PASSWORD");
    /** Where the prom/prometheus image listens. */
    private static final int PROMETHEUS_PORT = 9090;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static ComposeFile compose;

    @BeforeAll
    static void read() throws Exception {
        assertThat(RELAY_IMAGE).as("surefire passes the image names from the pom").isNotBlank();
        compose = ComposeFile.read(Path.of("..", "compose.yaml"));
    }

    @Test
    void everyServiceRunsAnImageTheBuildProducesOrAThirdPartyImageOfTheRightVersion() {
        for (Service s : compose.services().values()) {
            if (s.image().startsWith("outbox-")) {
                assertThat(s.image()).as(s.name()).isIn(RELAY_IMAGE, PIPELINE_IMAGE);
            }
        }
        assertThat(compose.services().get("kafka").image()).isEqualTo("apache/kafka:" + System.getProperty("kafka.version"));
        assertThat(compose.services().get("postgres").command()).contains("wal_level=logical");
        assertThat(compose.withImage(RELAY_IMAGE)).isNotEmpty();
        assertThat(compose.withImage(PIPELINE_IMAGE)).isNotEmpty();
    }

    @Test
    void everyCommandOfOurImagesParsesWithTheirCommandLine() {
        for (Service s : compose.withImage(RELAY_IMAGE)) {
            assertParses(RelayCli.commandLine(), s);
        }
        for (Service s : compose.withImage(PIPELINE_IMAGE)) {
            assertParses(new CommandLine(new PipelineCli()), s);
        }
    }

    @Test
    void everyRelayConfigurationIsMountedFromTheRepositoryAndValidatesWithTheServiceEnvironment() throws Exception {
        for (Service s : compose.withImage(RELAY_IMAGE)) {
            RelayConfig config = relayConfig(s);
            assertThat(config.get(RelayConfig.DATABASE_HOST)).as(s.name()).isEqualTo("postgres");
            assertThat(config.get(RelayConfig.DATABASE_PORT)).as(s.name()).isEqualTo("5432");
            assertThat(compose.services().get("kafka").environment().get("KAFKA_ADVERTISED_LISTENERS"))
                    .as(s.name() + ": kafka.bootstrap.servers is an advertised listener")
                    .contains("://" + config.get(RelayConfig.KAFKA_BOOTSTRAP));
        }
    }

    @Test
    void relayServicesSetOnlyEnvironmentVariablesTheRelayReads() {
        for (Service s : compose.withImage(RELAY_IMAGE)) {
            for (String variable : s.environment().keySet()) {
                boolean declared = RelayConfig.SETTINGS.stream().map(Setting::environmentVariable).anyMatch(variable::equals)
                        || variable.startsWith("RELAY_DEBEZIUM__") || variable.startsWith("RELAY_KAFKA_PRODUCER__")
                        || ATTACH_VARIABLES.contains(variable) && s.command().get(0).equals("attach");
                assertThat(declared).as(s.name() + " sets " + variable + ", which nothing reads").isTrue();
            }
        }
    }

    @Test
    void eachRelayRunsAsTheRoleItsAttachServiceCreatesWithThatPasswordAfterAttachFinished() throws Exception {
        List<Service> runs = compose.withImage(RELAY_IMAGE).stream().filter(s -> s.command().get(0).equals("run")).toList();
        assertThat(runs).hasSizeGreaterThanOrEqualTo(2);
        for (Service run : runs) {
            String config = run.option("--config").orElseThrow();
            Service attach = compose.withImage(RELAY_IMAGE).stream()
                    .filter(s -> s.command().get(0).equals("attach") && config.equals(s.option("--config").orElse(null)))
                    .findFirst().orElseThrow(() -> new AssertionError(run.name() + " has no attach service for " + config));
            assertThat(run.dependsOn()).as(run.name()).contains(attach.name());
            assertThat(relayConfig(run).get(RelayConfig.DATABASE_USER)).as(run.name())
                    .isEqualTo(attach.option("--create-role").orElseThrow());
            assertThat(run.environment().get("RELAY_DATABASE_PASSWORD")).as(run.name())
                    .isEqualTo(attach.environment().get("RELAY_ROLE_PASSWORD"));
        }
    }

    @Test
    void pipelineServicesPointAtTheComposePostgresAndKafka() {
        String advertised = compose.services().get("kafka").environment().get("KAFKA_ADVERTISED_LISTENERS");
        String postgresPassword = compose.services().get("postgres").environment().get("POSTGRES_PASSWORD");
        for (Service s : compose.withImage(PIPELINE_IMAGE)) {
            assertThat(s.option("--postgres")).as(s.name()).hasValue("postgres:5432");
            assertThat(advertised).as(s.name()).contains("://" + s.option("--kafka").orElseThrow());
            assertThat(s.environment().get("PGPASSWORD")).as(s.name()).isEqualTo(postgresPassword);
        }
    }

    @Test
    void prometheusAndGrafanaMountFilesOfTheRepositoryWhereTheyLookForThem() throws Exception {
        Service prometheus = compose.services().get("prometheus");
        Path config = mounted(prometheus, "/etc/prometheus/prometheus.yml");
        for (JsonNode ruleFile : YAML.readTree(config.toFile()).path("rule_files")) {
            mounted(prometheus, Path.of("/etc/prometheus").resolve(ruleFile.asText()).normalize().toString());
        }

        Service grafana = compose.services().get("grafana");
        Path provisioning = mounted(grafana, "/etc/grafana/provisioning");
        JsonNode datasource = YAML.readTree(provisioning.resolve("datasources/prometheus.yml").toFile()).get("datasources").get(0);
        assertThat(datasource.get("type").asText()).isEqualTo("prometheus");
        assertThat(datasource.get("url").asText()).as("grafana's data source is the prometheus service on its port")
                .isEqualTo("http://prometheus:" + PROMETHEUS_PORT);
        assertThat(prometheus.ports()).as("prometheus publishes the port it listens on").containsKey(PROMETHEUS_PORT);
        JsonNode provider = YAML.readTree(provisioning.resolve("dashboards/outbox-relay.yml").toFile()).get("providers").get(0);
        Path dashboards = mounted(grafana, provider.get("options").get("path").asText());
        assertThat(dashboards.resolve("outbox-relay.json")).isRegularFile();
        for (Service s : List.of(prometheus, grafana)) {
            s.volumes().forEach((inContainer, onHost) -> assertThat(compose.directory().resolve(onHost).normalize())
                    .as(s.name() + " mounts " + onHost + " at " + inContainer).exists());
        }
    }

    @Test
    void prometheusScrapesEveryRelayAndTheConsumersOnThePortsTheyListenOn() throws Exception {
        Path config = mounted(compose.services().get("prometheus"), "/etc/prometheus/prometheus.yml");
        Map<String, Set<String>> targets = new HashMap<>();
        for (JsonNode job : YAML.readTree(config.toFile()).get("scrape_configs")) {
            Set<String> jobTargets = new TreeSet<>();
            job.path("static_configs").forEach(c -> c.path("targets").forEach(t -> jobTargets.add(t.asText())));
            targets.put(job.get("job_name").asText(), jobTargets);
        }
        // job names as ops/prometheus/alerts.yml's OutboxTargetDown reads them
        Map<String, Set<String>> expected = new HashMap<>();
        for (Service s : compose.withImage(RELAY_IMAGE)) {
            if (s.command().get(0).equals("run")) {
                expected.computeIfAbsent("outbox-relay", j -> new TreeSet<>()).add(s.name() + ":" + relayConfig(s).getInt(RelayConfig.HTTP_PORT));
            }
        }
        for (Service s : compose.withImage(PIPELINE_IMAGE)) {
            if (s.command().get(0).equals("consumers")) {
                expected.computeIfAbsent("outbox-consumers", j -> new TreeSet<>()).add(s.name() + ":" + consumersHttpPort(s));
            }
        }
        assertThat(expected).containsKeys("outbox-relay", "outbox-consumers");
        assertThat(targets).as("prometheus.yml's scrape targets: every relay 'run' and consumers service at its HTTP port")
                .containsAllEntriesOf(expected);
        for (Set<String> jobTargets : targets.values()) {
            for (String target : jobTargets) {
                Service s = compose.services().get(target.substring(0, target.lastIndexOf(':')));
                assertThat(s).as("scrape target " + target + " is a compose service").isNotNull();
                int port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
                if (!s.ports().isEmpty()) {
                    assertThat(s.ports()).as(s.name() + " publishes the port Prometheus scrapes").containsKey(port);
                }
            }
        }
    }

    /** The port the consumers command serves /metrics on: its --http-port, or that option's default. */
    private static int consumersHttpPort(Service s) {
        CommandLine.ParseResult parsed = new CommandLine(new PipelineCli()).parseArgs(s.command().toArray(String[]::new));
        return parsed.subcommand().commandSpec().findOption("--http-port").getValue();
    }

    /** The file or directory {@code s} mounts at {@code inContainer}, where it is in the repository. */
    private static Path mounted(Service s, String inContainer) {
        String onHost = s.volumes().get(inContainer);
        assertThat(onHost).as(s.name() + " mounts " + inContainer).isNotNull();
        Path path = compose.directory().resolve(onHost).normalize();
        assertThat(path).as(s.name() + " mounts " + inContainer + " from").exists();
        return path;
    }

    private static void assertParses(CommandLine cli, Service s) {
        CommandLine.ParseResult parsed = cli.parseArgs(s.command().toArray(String[]::new));
        assertThat(parsed.hasSubcommand()).as(s.name() + " names a subcommand: " + s.command()).isTrue();
        assertThat(parsed.subcommand().errors()).as(s.name()).isEmpty();
    }

    /** The service's --config file, read from where compose mounts it from, with the service's environment applied. */
    private static RelayConfig relayConfig(Service s) throws Exception {
        String inContainer = s.option("--config").orElseThrow(() -> new AssertionError(s.name() + " has no --config"));
        String onHost = s.volumes().get(inContainer);
        assertThat(onHost).as(s.name() + " mounts " + inContainer).isNotNull();
        Path file = compose.directory().resolve(onHost).normalize();
        assertThat(file).as(s.name()).isRegularFile();
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        Map<String, String> environment = new HashMap<>(s.environment());
        ATTACH_VARIABLES.forEach(environment::remove);
        return RelayConfig.from(properties, environment);
    }
}
