package io.outboxrelay.pipeline.orders;

import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/** PostgreSQL and Kafka that run elsewhere: the pipeline uses them and leaves them running. */
final class ExternalInfrastructure {

    private ExternalInfrastructure() {
    }

    /** PostgreSQL at {@code address}, as {@code user} with the password from PGPASSWORD (never from the command line). */
    static PostgresInstance postgres(HostPort address, String user) {
        return postgres(address.host(), address.port(), user, System.getenv().getOrDefault("PGPASSWORD", ""));
    }

    static PostgresInstance postgres(String host, int port, String user, String password) {
        return new PostgresInstance() {
            @Override
            public String host() {
                return host;
            }

            @Override
            public int port() {
                return port;
            }

            @Override
            public String superuser() {
                return user;
            }

            @Override
            public String superuserPassword() {
                return password;
            }

            @Override
            public void close() {
                // not ours to stop
            }
        };
    }

    static KafkaInstance kafka(String bootstrapServers) {
        return new KafkaInstance() {
            @Override
            public String bootstrapServers() {
                return bootstrapServers;
            }

            @Override
            public void close() {
                // not ours to stop
            }
        };
    }
}
