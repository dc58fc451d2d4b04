package io.outboxrelay.relay.attach;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.postgresql.PGConnection;

import io.outboxrelay.relay.config.ConfigException;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.sql.OutboxSchema;

/**
 * The relay's own least-privilege role: no superuser, cannot create databases or roles. Measured
 * with Debezium 3.6.1 streaming with pgoutput from an existing publication
 * (publication.autocreate.mode=disabled): it needs LOGIN, REPLICATION and CONNECT on the database,
 * nothing on the outbox table itself while snapshot.mode=no_data (the changes arrive through the
 * slot); a snapshot (initial, when_needed) and recovery.resend.since (after a gap) read the table and need SELECT. The relay's own
 * pre-flight check looks the outbox table up (USAGE on its schema), and the heartbeat writes
 * outbox.heartbeat.
 *
 * <p>Only direct grants count (not what PUBLIC happens to have), so revoking PUBLIC's rights later
 * does not cut the relay off.
 */
final class RelayRole {

    static final String ATTRIBUTES = "LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS";

    /** Privileges on one object: its kind for GRANT, its name parts, and the catalog ACL that holds them. */
    private record Grant(String kind, String schema, String name, List<String> privileges) {
        String display() {
            return schema == null ? name : new TableName(schema, name).toString();
        }
    }

    private final AdminSession session;
    private final RelayConfig config;
    private final Changes changes;

    RelayRole(AdminSession session, RelayConfig config, Changes changes) {
        this.session = session;
        this.config = config;
        this.changes = changes;
    }

    /** @throws ConfigException if the role would have to be created but no password was given */
    void requirePasswordIfNew(String role, String password) throws SQLException {
        if (password == null && attributes(role) == null) {
            throw new ConfigException("role '" + role + "' does not exist: set its password in RELAY_ROLE_PASSWORD to create it");
        }
    }

    /**
     * Adds the steps that create the role or bring its attributes and grants to what the relay
     * needs; reports what is already right.
     *
     * @param password the new password, or null to leave an existing role's password alone
     */
    void ensure(String role, String password) throws SQLException {
        String quoted = session.format("%I", role);
        List<String> attributes = attributes(role);
        if (attributes == null) {
            requirePasswordIfNew(role, password);
            changes.add(Step.sql("created role " + quoted + " (" + ATTRIBUTES + ")",
                    session.format("CREATE ROLE %I WITH " + ATTRIBUTES, role)));
        }
        else if (!attributes.isEmpty()) {
            changes.add(Step.sql("altered role " + quoted + " to " + ATTRIBUTES + " (was: " + String.join(" ", attributes) + ")",
                    session.format("ALTER ROLE %I WITH " + ATTRIBUTES, role)));
        }
        else {
            changes.alreadyPresent("role " + quoted + " (" + ATTRIBUTES + ")");
        }
        if (password != null) {
            // hashed here (SCRAM), so the password never reaches the server's statement log
            changes.add(new Step("set the password of role " + quoted,
                    "ALTER ROLE " + quoted + " PASSWORD '****'",
                    connection -> connection.unwrap(PGConnection.class).alterUserPassword(role, password.toCharArray(), null)));
        }
        if (!readsTable()) {
            changes.say("not granted: SELECT on table " + config.get(RelayConfig.OUTBOX_TABLE)
                    + " (streaming needs none with snapshot.mode=no_data; run attach again after changing snapshot.mode"
                    + " or setting recovery.resend.since)");
        }
        for (Grant grant : needed()) {
            Set<String> missing = new LinkedHashSet<>(grant.privileges());
            if (attributes != null) {
                missing.removeAll(granted(grant, role));
            }
            String what = String.join(", ", grant.privileges()) + " on " + grant.kind().toLowerCase(java.util.Locale.ROOT)
                    + " " + grant.display() + " to " + quoted;
            if (missing.isEmpty()) {
                changes.alreadyPresent(what);
                continue;
            }
            String privileges = String.join(", ", missing);
            String sql = grant.schema() == null
                    ? session.format("GRANT " + privileges + " ON " + grant.kind() + " %I TO %I", grant.name(), role)
                    : session.format("GRANT " + privileges + " ON " + grant.kind() + " %I.%I TO %I", grant.schema(), grant.name(), role);
            changes.add(Step.sql("granted " + privileges + " on " + grant.kind().toLowerCase(java.util.Locale.ROOT) + " "
                    + grant.display() + " to " + quoted, sql));
        }
    }

    private List<Grant> needed() throws SQLException {
        TableName outbox = TableName.parse(config.get(RelayConfig.OUTBOX_TABLE));
        TableName heartbeat = TableName.parse(OutboxSchema.HEARTBEAT_TABLE);
        List<Grant> grants = new ArrayList<>();
        grants.add(new Grant("DATABASE", null, session.scalar("SELECT current_database()"), List.of("CONNECT")));
        grants.add(new Grant("SCHEMA", null, outbox.schema(), List.of("USAGE")));
        if (!heartbeat.schema().equals(outbox.schema())) {
            grants.add(new Grant("SCHEMA", null, heartbeat.schema(), List.of("USAGE")));
        }
        if (readsTable()) {
            grants.add(new Grant("TABLE", outbox.schema(), outbox.table(), List.of("SELECT")));
        }
        // Debezium's heartbeat.action.query writes the heartbeat row so the slot moves on an idle outbox
        grants.add(new Grant("TABLE", heartbeat.schema(), heartbeat.table(), List.of("SELECT", "INSERT", "UPDATE", "DELETE")));
        return grants;
    }

    /**
     * snapshot.mode initial and when_needed read the outbox table with SELECT, and so does recovery.resend.since
     * (re-sending a gap); no_data only streams.
     */
    private boolean readsTable() {
        return !config.get(RelayConfig.SNAPSHOT_MODE).equals("no_data") || !config.get(RelayConfig.RECOVERY_RESEND_SINCE).isBlank();
    }

    /** Privileges granted to the role itself on the object (none if the object does not exist yet). */
    private Set<String> granted(Grant grant, String role) throws SQLException {
        String acl = switch (grant.kind()) {
            case "DATABASE" -> "SELECT a.privilege_type FROM pg_database o, aclexplode(o.datacl) a"
                    + " WHERE o.datname = ? AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ?)";
            case "SCHEMA" -> "SELECT a.privilege_type FROM pg_namespace o, aclexplode(o.nspacl) a"
                    + " WHERE o.nspname = ? AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ?)";
            default -> "SELECT a.privilege_type FROM pg_class o JOIN pg_namespace n ON n.oid = o.relnamespace,"
                    + " aclexplode(o.relacl) a WHERE n.nspname = ? AND o.relname = ?"
                    + " AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ?)";
        };
        List<String> rows = grant.schema() == null
                ? session.column(acl, grant.name(), role)
                : session.column(acl, grant.schema(), grant.name(), role);
        return new LinkedHashSet<>(rows);
    }

    /** Null if the role does not exist; else the attributes that are wrong, as they are now (empty: all right). */
    private List<String> attributes(String role) throws SQLException {
        String row = session.scalar("SELECT concat_ws(' ',"
                + " CASE WHEN NOT rolcanlogin THEN 'NOLOGIN' END, CASE WHEN NOT rolreplication THEN 'NOREPLICATION' END,"
                + " CASE WHEN rolsuper THEN 'SUPERUSER' END, CASE WHEN rolcreatedb THEN 'CREATEDB' END,"
                + " CASE WHEN rolcreaterole THEN 'CREATEROLE' END, CASE WHEN rolbypassrls THEN 'BYPASSRLS' END)"
                + " FROM pg_roles WHERE rolname = ?", role);
        if (row == null) {
            return null;
        }
        return row.isEmpty() ? List.of() : List.of(row.split(" "));
    }
}
