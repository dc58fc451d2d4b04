package io.outboxrelay.pipeline.orders;

import java.time.Duration;

import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

import picocli.CommandLine.Option;

/** Options naming a running PostgreSQL and Kafka; the password comes from PGPASSWORD, never from the command line. */
final class ExternalServers {

    @Option(names = "--postgres", required = true, paramLabel = "HOST:PORT", converter = HostPort.PostgresConverter.class,
            description = "PostgreSQL (wal_level=logical) holding the databases legacy, payments and readmodel.")
    HostPort postgres;

    @Option(names = "--postgres-user", defaultValue = "postgres",
            description = "Role that owns the databases (default ${DEFAULT-VALUE}); its password is read from PGPASSWORD.")
    String postgresUser;

    @Option(names = "--kafka", paramLabel = "BOOTSTRAP",
            description = "Kafka bootstrap servers: required by consumers; setup and orders only use PostgreSQL.")
    String kafka;

    PostgresInstance postgres() {
        return ExternalInfrastructure.postgres(postgres, postgresUser);
    }

    KafkaInstance kafka() {
        return ExternalInfrastructure.kafka(kafka);
    }

    /** The Kafka of {@code --kafka}, once a broker answered (within 30 s). */
    KafkaInstance reachableKafka() {
        return ExternalInfrastructure.reachableKafka(kafka, Duration.ofSeconds(30));
    }
}
