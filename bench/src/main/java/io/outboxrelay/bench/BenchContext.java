package io.outboxrelay.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * What a {@link Contender} needs to know about the bench's servers and run.
 *
 * @param host             PostgreSQL host
 * @param port             PostgreSQL port
 * @param database         the database with the outbox ({@code outbox.event}, publication {@code outbox_publication})
 * @param user             a superuser (the bench's own throw-away cluster)
 * @param password         its password; pass it to children in the environment, never on a command line
 * @param bootstrapServers the Kafka broker
 * @param logDirectory     where a contender writes its child's output and configuration files
 * @param jvmOptions       options every child JVM gets (the same for all contenders), e.g. {@code -Xmx512m}
 */
record BenchContext(String host, int port, String database, String user, String password, String bootstrapServers,
                    Path logDirectory, List<String> jvmOptions) {

    String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }
}
