package io.outboxrelay.legacy;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

import io.outboxrelay.sql.OutboxSchema;

/**
 * Everything the legacy order system needs in its database: the outbox (from outbox-sql) and the
 * order tables in schema {@value #SCHEMA} (from the plain SQL files in {@code db/legacy}).
 */
public final class LegacySchema {

    /** Schema holding the order tables and their own Flyway history table. */
    public static final String SCHEMA = "legacy";

    static final String LOCATION = "classpath:db/legacy";

    private LegacySchema() {
    }

    /**
     * Applies the outbox migrations, then the order tables' migrations. Idempotent: a second call
     * applies nothing. Each schema keeps its own history table, so the two sets version apart and
     * a database whose outbox was set up earlier (by hand or by the relay's team) is adopted as is.
     *
     * @return the number of migrations applied by this call, both schemas together
     */
    public static int migrate(DataSource dataSource) {
        int outbox = OutboxSchema.migrate(dataSource);
        int legacy = Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                .schemas(SCHEMA)
                .createSchemas(true)
                // tables created by hand from the same idempotent files are adopted, then the files run again
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate()
                .migrationsExecuted;
        return outbox + legacy;
    }
}
