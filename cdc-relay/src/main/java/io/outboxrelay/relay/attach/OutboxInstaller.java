package io.outboxrelay.relay.attach;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.flywaydb.core.api.FlywayException;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.error.Causes;
import io.outboxrelay.sql.OutboxSchema;

/**
 * Installs the outbox-sql migrations (schema, outbox table, publication, heartbeat table, capture
 * function) through Flyway, and the configured publication when it is not the migrations' own.
 */
final class OutboxInstaller {

    private final AdminSession session;
    private final RelayConfig config;
    private final Changes changes;

    OutboxInstaller(AdminSession session, RelayConfig config, Changes changes) {
        this.session = session;
        this.config = config;
        this.changes = changes;
    }

    void install() throws SQLException {
        List<OutboxSchema.Script> pending = OutboxSchema.pending(session.dataSource());
        if (changes.dryRun()) {
            for (OutboxSchema.Script script : pending) {
                changes.showSql("applied outbox-sql migration " + script.name(), script.sql());
            }
        }
        else {
            Map<String, Boolean> before = objects();
            try {
                OutboxSchema.migrate(session.dataSource());
            }
            catch (FlywayException e) {
                throw new RefusedException("applying the outbox-sql migrations as '" + session.user() + "' failed ("
                        + Causes.firstLine(Causes.root(e)) + "): connect as a superuser or the database owner (--admin-user)", e);
            }
            Map<String, Boolean> after = objects();
            before.forEach((object, existed) -> {
                if (existed) {
                    changes.alreadyPresent(object);
                }
                else if (after.get(object)) {
                    changes.say("created " + object);
                }
            });
            if (!pending.isEmpty()) {
                changes.say("applied outbox-sql migrations " + String.join(", ", pending.stream().map(OutboxSchema.Script::name).toList()));
            }
        }
        configuredPublication();
    }

    /** A publication other than the migrations' own, named by the configuration. */
    private void configuredPublication() throws SQLException {
        String publication = config.get(RelayConfig.PUBLICATION);
        if (publication.equals(OutboxSchema.PUBLICATION)) {
            return;
        }
        if (session.exists("SELECT 1 FROM pg_publication WHERE pubname = ?", publication)) {
            changes.alreadyPresent("publication " + publication);
            return;
        }
        TableName table = TableName.parse(config.get(RelayConfig.OUTBOX_TABLE));
        changes.add(Step.sql("created publication " + publication,
                session.format("CREATE PUBLICATION %I FOR TABLE %I.%I WITH (publish = 'insert')",
                        publication, table.schema(), table.table())));
    }

    /** Which of the migrations' objects exist now, by the names attach reports. */
    private Map<String, Boolean> objects() throws SQLException {
        Map<String, Boolean> out = new LinkedHashMap<>();
        out.put("schema " + OutboxSchema.SCHEMA, session.exists(
                "SELECT 1 FROM pg_namespace WHERE nspname = ?", OutboxSchema.SCHEMA));
        out.put("table " + OutboxSchema.TABLE, session.scalar("SELECT to_regclass(?)::text", OutboxSchema.TABLE) != null);
        out.put("publication " + OutboxSchema.PUBLICATION, session.exists(
                "SELECT 1 FROM pg_publication WHERE pubname = ?", OutboxSchema.PUBLICATION));
        out.put("table " + OutboxSchema.HEARTBEAT_TABLE, session.scalar("SELECT to_regclass(?)::text", OutboxSchema.HEARTBEAT_TABLE) != null);
        out.put("function " + OutboxSchema.CAPTURE_FUNCTION + "()", session.scalar(
                "SELECT to_regprocedure(?)::text", OutboxSchema.CAPTURE_FUNCTION + "()") != null);
        return out;
    }
}
