package io.outboxrelay.relay.attach;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import io.outboxrelay.sql.OutboxSchema;

/**
 * The row triggers that capture a legacy table's changes into the outbox (function
 * {@code outbox.capture_change()}, trigger {@code outbox_capture}). Table names are checked against
 * the catalog as bound values; DDL is quoted by the server.
 */
final class CaptureTriggers {

    private static final String FUNCTION_SIGNATURE = OutboxSchema.CAPTURE_FUNCTION + "()";

    private final AdminSession session;
    private final Changes changes;

    CaptureTriggers(AdminSession session, Changes changes) {
        this.session = session;
        this.changes = changes;
    }

    /** @throws RefusedException naming the first table that cannot be captured and why */
    void check(List<TableName> tables) throws SQLException {
        for (TableName table : tables) {
            describe(table);
        }
    }

    /** Adds a step creating the trigger on each table that has none yet. */
    void ensure(List<TableName> tables) throws SQLException {
        for (TableName table : tables) {
            Table t = describe(table);
            if (t.hasCaptureTrigger) {
                changes.alreadyPresent("capture trigger " + OutboxSchema.CAPTURE_TRIGGER + " on " + table);
                continue;
            }
            changes.add(Step.sql("created capture trigger " + OutboxSchema.CAPTURE_TRIGGER + " on " + table,
                    session.format("CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I.%I"
                            + " FOR EACH ROW EXECUTE FUNCTION " + FUNCTION_SIGNATURE,
                            OutboxSchema.CAPTURE_TRIGGER, table.schema(), table.table())));
        }
    }

    /** Adds a step dropping every capture trigger in the database; reports when there is none. */
    void dropAll() throws SQLException {
        List<String[]> found = new ArrayList<>();
        Connection connection = session.connection();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT n.nspname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                        + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE t.tgname = ? AND t.tgfoid = to_regprocedure(?) AND t.tgparentid = 0 ORDER BY 1, 2")) {
            ps.setString(1, OutboxSchema.CAPTURE_TRIGGER);
            ps.setString(2, FUNCTION_SIGNATURE);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        if (found.isEmpty()) {
            changes.alreadyAbsent("capture triggers (" + OutboxSchema.CAPTURE_TRIGGER + ")");
        }
        for (String[] t : found) {
            changes.add(Step.sql("dropped capture trigger " + OutboxSchema.CAPTURE_TRIGGER + " on " + new TableName(t[0], t[1]),
                    session.format("DROP TRIGGER %I ON %I.%I", OutboxSchema.CAPTURE_TRIGGER, t[0], t[1])));
        }
    }

    private record Table(boolean hasCaptureTrigger) {
    }

    private Table describe(TableName table) throws SQLException {
        if (table.schema().equals(OutboxSchema.SCHEMA)) {
            throw new RefusedException("cannot capture " + table + ": the outbox's own tables are not captured"
                    + " (the capture would feed on itself)");
        }
        try (PreparedStatement ps = session.connection().prepareStatement(
                "SELECT c.relkind::text,"
                        + " EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),"
                        + " (SELECT coalesce(t.tgfoid = to_regprocedure(?), false) FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = ?)"
                        + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE n.nspname = ? AND c.relname = ?")) {
            ps.setString(1, FUNCTION_SIGNATURE);
            ps.setString(2, OutboxSchema.CAPTURE_TRIGGER);
            ps.setString(3, table.schema());
            ps.setString(4, table.table());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new RefusedException("table " + table + " does not exist in " + session.where
                            + ": check --capture-table (unquoted names are lower-cased; quote mixed-case names: \"Schema\".\"Table\")");
                }
                String kind = rs.getString(1);
                if (!kind.equals("r") && !kind.equals("p")) {
                    throw new RefusedException(table + " is not a table (pg_class.relkind '" + kind
                            + "'): only tables can be captured");
                }
                if (!rs.getBoolean(2)) {
                    throw new RefusedException("table " + table + " has no primary key: captured events are keyed by it;"
                            + " add one (ALTER TABLE " + table + " ADD PRIMARY KEY (...)) or leave the table out");
                }
                boolean hasTrigger = rs.getObject(3) != null;
                if (hasTrigger && !rs.getBoolean(3)) {
                    throw new RefusedException("table " + table + " already has a trigger named " + OutboxSchema.CAPTURE_TRIGGER
                            + " that does not call " + FUNCTION_SIGNATURE + ": rename or drop it");
                }
                return new Table(hasTrigger);
            }
        }
    }
}
