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
    /** Single-row table the relay writes to keep its slot moving on an idle database; in {@link #PUBLICATION} (V5). */
    public static final String HEARTBEAT_TABLE = "outbox.heartbeat";
    /**
     * One heartbeat: replaces the single row of {@link #HEARTBEAT_TABLE} by a fresh one. An insert,
     * because the publication carries only inserts. The insert reads the CTE, so the delete runs
     * first and the primary key sees no conflict; two writers racing insert one row, the other
     * nothing. Needs INSERT and DELETE on the table, nothing else.
     */
    public static final String HEARTBEAT_SQL = "WITH gone AS (DELETE FROM " + HEARTBEAT_TABLE + " RETURNING 1)"
            + " INSERT INTO " + HEARTBEAT_TABLE + " (id, beat_at) SELECT 1, now() WHERE (SELECT count(*) FROM gone) >= 0"
            + " ON CONFLICT DO NOTHING";

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
