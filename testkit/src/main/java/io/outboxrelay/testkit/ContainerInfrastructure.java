package io.outboxrelay.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Docker backend ({@code OUTBOX_TEST_INFRA=testcontainers}), for machines with Docker or to test
 * against the official images. Only {@link Infrastructure} refers to this class, so Testcontainers is not
 * touched otherwise. Images can be overridden with OUTBOX_TEST_POSTGRES_IMAGE and OUTBOX_TEST_KAFKA_IMAGE.
 */
final class ContainerInfrastructure {

    private static final String SUPERUSER = "postgres";
    private static final String PASSWORD = "outbox-test";

    private ContainerInfrastructure() {
    }

    static PostgresInstance startPostgres(PostgresVersion version, Map<String, String> settings) {
        List<String> command = new ArrayList<>(List.of("postgres", "-c", "fsync=off"));
        settings.forEach((key, value) -> command.addAll(List.of("-c", key + "=" + value)));
        DockerImageName image = version.major()
                .map(major -> DockerImageName.parse("postgres:" + major))
                .orElseGet(() -> image("OUTBOX_TEST_POSTGRES_IMAGE", "postgres:17"));
        PostgreSQLContainer<?> container = new PostgreSQLContainer<>(image)
                .withUsername(SUPERUSER)
                .withPassword(PASSWORD)
                .withCommand(command.toArray(String[]::new));
        Thread hook = start(container, "PostgreSQL");
        // The official image sets "host all all all scram-sha-256" when a password is given.
        return new PostgresInstance() {
            @Override
            public String host() {
                return container.getHost();
            }

            @Override
            public int port() {
                return container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT);
            }

            @Override
            public String superuser() {
                return SUPERUSER;
            }

            @Override
            public String superuserPassword() {
                return PASSWORD;
            }

            @Override
            public void close() {
                Local.cancel(hook);
                container.close();
            }
        };
    }

    static KafkaInstance startKafka() {
        KafkaContainer container = new KafkaContainer(image("OUTBOX_TEST_KAFKA_IMAGE", "apache/kafka:4.1.0"))
                // The module's replication factors of 1 are already set; these match the embedded broker.
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true")
                .withEnv("KAFKA_NUM_PARTITIONS", "1");
        Thread hook = start(container, "Kafka");
        return new KafkaInstance() {
            @Override
            public String bootstrapServers() {
                return container.getBootstrapServers();
            }

            @Override
            public void close() {
                Local.cancel(hook);
                container.close();
            }
        };
    }

    private static DockerImageName image(String variable, String fallback) {
        return DockerImageName.parse(Objects.requireNonNullElse(System.getenv(variable), fallback));
    }

    /** Testcontainers' Ryuk removes the container if the JVM dies; the returned hook covers an orderly exit. */
    private static Thread start(GenericContainer<?> container, String what) {
        try {
            container.start();
        } catch (RuntimeException e) {
            container.close();
            throw new InfrastructureException("Could not start " + what + " container " + container.getDockerImageName()
                    + " (is Docker running?): " + e.getMessage(), e);
        }
        return Local.onShutdown(what.toLowerCase() + "-container-closer", container::close);
    }
}
