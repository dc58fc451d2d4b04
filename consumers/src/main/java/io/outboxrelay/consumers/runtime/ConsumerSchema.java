package io.outboxrelay.consumers.runtime;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

/**
 * Migrates one consumer's schema: the runtime's {@code processed_event} table plus the consumer's
 * own tables, with Flyway's history table in that schema, so consumers sharing a database never
 * share migrations or processed ids (each consumer must apply every event once for itself).
 *
 * <p>The runtime's migration is version 0.1 ({@code db/consumer_runtime}); a consumer's own files
 * start at V1. Both may use {@code ${flyway:defaultSchema}} for the schema name, which lets the same
 * files build a second copy (a read model rebuilt beside the live one).
 */
public final class ConsumerSchema {

    static final String RUNTIME_LOCATION = "classpath:db/consumer_runtime";

    private ConsumerSchema() {
    }

    /**
     * Applies every pending migration; idempotent.
     *
     * @param location the consumer's migrations, e.g. {@code classpath:db/read_model}
     * @return the number of migrations applied by this call
     */
    public static int migrate(DataSource dataSource, String schema, String location) {
        return Flyway.configure()
                .dataSource(dataSource)
                .schemas(schema)
                .createSchemas(true)
                .locations(RUNTIME_LOCATION, location)
                .load()
                .migrate()
                .migrationsExecuted;
    }
}
