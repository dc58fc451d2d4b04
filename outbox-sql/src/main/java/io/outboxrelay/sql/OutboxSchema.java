package io.outboxrelay.sql;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The outbox schema: names the relay and the writers agree on, and the Flyway migration that
 * creates them from the plain SQL files in {@code db/outbox}.
 */
public final class OutboxSchema {

    /** Schema holding the outbox objects and Flyway's history table. */
    public static final String SCHEMA = "outbox";
    /** The outbox table, schema-qualified as Debezium's table.include.list expects it. */
    public static final String TABLE = "outbox.event";
    /** Publication covering only {@link #TABLE}. */
    public static final String PUBLICATION = "outbox_publication";
    /** Single-row table the relay may update to keep its slot moving on an idle database. */
    public static final String HEARTBEAT_TABLE = "outbox.heartbeat";

    static final String LOCATION = "classpath:db/outbox";

    private OutboxSchema() {
    }

    /**
     * Applies every pending migration. Idempotent: a second call applies nothing. A schema whose
     * files were applied by hand is adopted (baseline 0, then the idempotent files run again).
     *
     * @return the number of migrations applied by this call
     */
    public static int migrate(DataSource dataSource) {
        MigrateResult result = Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                .schemas(SCHEMA)
                .createSchemas(true)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
        return result.migrationsExecuted;
    }
}
