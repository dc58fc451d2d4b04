package io.outboxrelay.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * 'relay run' and 'relay status' as a child JVM with the packaged log4j2.xml: in json mode every line
 * on stderr is one ECS JSON object, including the error. No PostgreSQL or Kafka needed: the database
 * port is closed.
 */
class JsonLogFormatUnitTests {

    record Run(int exitCode, String stdout, List<JsonNode> stderr) {
    }

    @TempDir
    Path dir;

    @Test
    void logFormatJsonInTheFileMakesEveryStderrLineAnEcsJsonObject() throws Exception {
        Properties props = config();
        props.setProperty("log.format", "json");
        Run run = run(props, Map.of(), "run");

        assertThat(run.exitCode()).isEqualTo(RelayCli.EXIT_STARTUP);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).allSatisfy(line -> {
            assertThat(line.path("log.level").asText()).isIn("DEBUG", "INFO", "WARN", "ERROR");
            assertThat(line.path("message").isTextual()).isTrue();
            assertThat(line.path("@timestamp").isTextual()).isTrue();
        });
        assertThat(run.stderr()).anySatisfy(line -> assertThat(line.get("message").asText())
                .startsWith("Configuration:\n").contains("database.password=****").doesNotContain("s3cret-pw"));
        assertThat(run.stderr()).anySatisfy(line -> {
            assertThat(line.get("log.level").asText()).isEqualTo("ERROR");
            assertThat(line.get("message").asText()).startsWith("cannot reach PostgreSQL at 127.0.0.1:");
        });
    }

    @Test
    void relayLogFormatInTheEnvironmentAppliesBeforeTheConfigurationIsRead() throws Exception {
        Properties props = config();
        props.remove("database.name");
        Run run = run(props, Map.of("RELAY_LOG_FORMAT", "json"), "run");

        assertThat(run.exitCode()).isEqualTo(RelayCli.EXIT_CONFIG);
        assertThat(run.stderr()).hasSize(1);
        assertThat(run.stderr().get(0).get("log.level").asText()).isEqualTo("ERROR");
        assertThat(run.stderr().get(0).get("message").asText()).contains("database.name is required");
    }

    @Test
    void logFormatJsonInTheFileAlsoMakesStatusErrorsOneEcsJsonObject() throws Exception {
        Properties props = config();
        props.setProperty("log.format", "json");
        Run run = run(props, Map.of(), "status");

        assertThat(run.exitCode()).isEqualTo(RelayCli.EXIT_STARTUP);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).anySatisfy(line -> {
            assertThat(line.get("log.level").asText()).isEqualTo("ERROR");
            assertThat(line.get("message").asText()).startsWith("cannot read the replication slot from PostgreSQL at 127.0.0.1:")
                    .doesNotContain("s3cret-pw");
        });
    }

    private Properties config() throws IOException {
        Properties p = new Properties();
        p.setProperty("database.host", "127.0.0.1");
        p.setProperty("database.port", String.valueOf(closedPort()));
        p.setProperty("database.name", "orders");
        p.setProperty("database.user", "relay");
        p.setProperty("database.password", "s3cret-pw");
        p.setProperty("kafka.bootstrap.servers", "127.0.0.1:" + closedPort());
        p.setProperty("startup.timeout.ms", "2000");
        p.setProperty("http.port", "0");
        return p;
    }

    private Run run(Properties props, Map<String, String> env, String command) throws Exception {
        Path config = dir.resolve("relay.properties");
        try (Writer w = Files.newBufferedWriter(config)) {
            props.store(w, null);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // the file the jar uses, not the tests' log4j2-test.xml that is also on this class path
        ProcessBuilder builder = new ProcessBuilder(java, "-Dlog4j2.configurationFile=log4j2.xml",
                "-cp", System.getProperty("java.class.path"), RelayCli.class.getName(), command, "--config", config.toString())
                .redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("RELAY_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("relay exits").isTrue();
        List<String> lines = Files.readAllLines(dir.resolve("stderr"));
        List<JsonNode> json = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper();
        for (String line : lines) {
            try {
                json.add(mapper.readTree(line));
            }
            catch (IOException e) {
                throw new AssertionError("not a JSON line: " + line + "\nstderr:\n" + String.join("\n", lines), e);
            }
        }
        assertThat(json).as(String.join("\n", lines)).isNotEmpty().allMatch(JsonNode::isObject);
        return new Run(process.exitValue(), Files.readString(dir.resolve("stdout")), json);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
