package io.outboxrelay.sql;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
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

    /** Trigger function that writes an outbox row for each changed row of a captured legacy table. */
    public static final String CAPTURE_FUNCTION = "outbox.capture_change";
    /** Name of the row trigger that calls {@link #CAPTURE_FUNCTION} on a captured table. */
    public static final String CAPTURE_TRIGGER = "outbox_capture";

    /**
     * Function writing one outbox event as a transactional logical decoding message instead of a row (V6):
     * {@code outbox.emit(event_id, aggregate_type, aggregate_id, event_type, payload [, trace_id [, correlation_id]])}.
     */
    public static final String EMIT_FUNCTION = "outbox.emit";
    /** Prefix of the logical decoding messages {@link #EMIT_FUNCTION} writes. */
    public static final String MESSAGE_PREFIX = "outbox";

    static final String LOCATION = "classpath:db/outbox";
    private static final String RESOURCE_DIRECTORY = "db/outbox/";

    /** One migration file: its name and its SQL. */
    public record Script(String name, String sql) {
    }

    private OutboxSchema() {
    }

    /**
     * Applies every pending migration. Idempotent: a second call applies nothing. A schema whose
     * files were applied by hand is adopted (baseline 0, then the idempotent files run again).
     *
     * @return the number of migrations applied by this call
     */
    public static int migrate(DataSource dataSource) {
        MigrateResult result = flyway(dataSource).migrate();
        return result.migrationsExecuted;
    }

    /** The migration files {@link #migrate} would apply now, in order; changes nothing. */
    public static List<Script> pending(DataSource dataSource) {
        return Arrays.stream(flyway(dataSource).info().pending())
                .map(MigrationInfo::getScript)
                .map(name -> new Script(name, read(name)))
                .toList();
    }

    private static Flyway flyway(DataSource dataSource) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                .schemas(SCHEMA)
                .createSchemas(true)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load();
    }

    private static String read(String script) {
        try (InputStream in = OutboxSchema.class.getClassLoader().getResourceAsStream(RESOURCE_DIRECTORY + script)) {
            if (in == null) {
                throw new IllegalStateException("migration " + script + " is not on the class path under " + RESOURCE_DIRECTORY);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
