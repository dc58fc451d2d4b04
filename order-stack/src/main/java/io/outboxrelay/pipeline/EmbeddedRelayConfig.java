package io.outboxrelay.pipeline;

import java.util.Map;
import java.util.Properties;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/** A relay's configuration for a database of the given PostgreSQL and Kafka, as the superuser. */
public final class EmbeddedRelayConfig {

    private EmbeddedRelayConfig() {
    }

    /**
     * @param settings further relay settings (names, topics...); the relay's defaults for the rest.
     *                 No environment is read: RELAY_* variables meant for a real relay must not
     *                 change what the demo, the pipeline or the bench do.
     */
    public static RelayConfig of(PostgresInstance postgres, KafkaInstance kafka, String database,
                                 Map<String, String> settings) {
        Properties p = new Properties();
        p.setProperty("database.host", postgres.host());
        p.setProperty("database.port", String.valueOf(postgres.port()));
        p.setProperty("database.name", database);
        p.setProperty("database.user", postgres.superuser());
        p.setProperty("database.password", postgres.superuserPassword());
        p.setProperty("kafka.bootstrap.servers", kafka.bootstrapServers());
        p.putAll(settings);
        return RelayConfig.from(p, Map.of());
    }
}
