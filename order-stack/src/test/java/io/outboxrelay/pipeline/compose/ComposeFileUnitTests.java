package io.outboxrelay.pipeline.compose;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
 * across services.
 */
class ComposeFileUnitTests {

    private static final String RELAY_IMAGE = System.getProperty("image.relay");
    private static final String PIPELINE_IMAGE = System.getProperty("image.pipeline");
    /** Read by 'relay attach' besides the settings' own variables. */
    private static final List<String> ATTACH_VARIABLES = List.of("RELAY_ADMIN_PASSWORD", "RELAY_ROLE_PASSWORD");

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
