package io.outboxrelay.testkit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Starts real PostgreSQL and Kafka for tests and for the embedded default.
 *
 * <p>By default both run on this machine without Docker: PostgreSQL from Maven-packaged binaries, Kafka
 * in this JVM. With {@code OUTBOX_TEST_INFRA=testcontainers} the same calls start Docker containers instead.
 * Every instance is also closed by a JVM shutdown hook, so a failed test leaves nothing running.
 */
public final class Infrastructure {

    /** Environment variable selecting the backend; {@value #TESTCONTAINERS} switches to Docker. */
    public static final String BACKEND_ENV = "OUTBOX_TEST_INFRA";
    static final String TESTCONTAINERS = "testcontainers";

    private Infrastructure() {
    }

    public static PostgresInstance startPostgres() {
        return startPostgres(Map.of());
    }

    /**
     * @param serverSettings postgresql.conf settings applied on top of (and overriding) the defaults:
     *                       wal_level=logical, max_replication_slots=64, max_wal_senders=20, synchronous_commit=on
     */
    public static PostgresInstance startPostgres(Map<String, String> serverSettings) {
        return startPostgres(PostgresVersion.bundled(), serverSettings);
    }

    /**
     * @param version        which PostgreSQL, e.g. {@code PostgresVersion.fromBinariesJar(jar)} for an old one
     * @param serverSettings as for {@link #startPostgres(Map)}
     */
    public static PostgresInstance startPostgres(PostgresVersion version, Map<String, String> serverSettings) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("wal_level", "logical");
        settings.put("max_replication_slots", "64"); // tests share a server and many attach (slot) without detaching
        settings.put("max_wal_senders", "20");
        // zonky's default is off; then logical decoding right after a commit may not see it yet.
        settings.put("synchronous_commit", "on");
        settings.putAll(serverSettings);
        // Referenced only here, so Testcontainers classes are loaded only when asked for.
        return useContainers() ? ContainerInfrastructure.startPostgres(version, settings)
                : EmbeddedPostgresInstance.start(version, settings);
    }

    public static KafkaInstance startKafka() {
        return startKafka(KafkaOptions.plaintext());
    }

    /**
     * A broker secured as {@code options} says, e.g. {@code KafkaOptions.sasl(relayUser).withAuthorizer()}.
     * SASL and TLS brokers are only available in-process (not with {@value #TESTCONTAINERS}).
     */
    public static KafkaInstance startKafka(KafkaOptions options) {
        if (!useContainers()) {
            return EmbeddedKafkaInstance.start(options);
        }
        if (options.isSasl() || options.isTls()) {
            throw new InfrastructureException("a SASL or TLS broker (" + options + ") is only available in-process: unset "
                    + BACKEND_ENV, null);
        }
        return ContainerInfrastructure.startKafka();
    }

    private static boolean useContainers() {
        return TESTCONTAINERS.equalsIgnoreCase(System.getenv(BACKEND_ENV));
    }
}
