package io.outboxrelay.pipeline.orders;

import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;
import picocli.CommandLine.Option;

/** Options naming a running PostgreSQL and Kafka; the password comes from PGPASSWORD, never from the command line. */
final class ExternalServers {

    @Option(names = "--postgres", required = true, paramLabel = "HOST:PORT",
            description = "PostgreSQL (wal_level=logical) holding the databases legacy, payments and readmodel.")
    String postgres;

    @Option(names = "--postgres-user", defaultValue = "postgres",
            description = "Role that owns the databases (default ${DEFAULT-VALUE}); its password is read from PGPASSWORD.")
    String postgresUser;

    @Option(names = "--kafka", required = true, paramLabel = "BOOTSTRAP", description = "Kafka bootstrap servers.")
    String kafka;

    PostgresInstance postgres() {
        String[] hostPort = postgres.split(":");
        return ExternalInfrastructure.postgres(hostPort[0], hostPort.length > 1 ? Integer.parseInt(hostPort[1]) : 5432,
                postgresUser, System.getenv().getOrDefault("PGPASSWORD", ""));
    }

    KafkaInstance kafka() {
        return ExternalInfrastructure.kafka(kafka);
    }
}
