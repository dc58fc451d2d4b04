package io.outboxrelay.relay.preflight;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import io.outboxrelay.relay.config.RelayConfig;

/** The pre-flight connection, and what every database check needs to word its message. */
record Database(Connection connection, RelayConfig config, String where) {

    String user() {
        return config.get(RelayConfig.DATABASE_USER);
    }

    String table() {
        return config.get(RelayConfig.OUTBOX_TABLE);
    }

    /** {@link #table()} split at the dot; validated as schema.table by {@link RelayConfig}. */
    String[] schemaAndTable() {
        return table().split("\\.", 2);
    }

    /** The first column of the first row as text, or null when there is no row. */
    String text(String sql, Object... parameters) throws SQLException {
        String[] row = row(sql, parameters);
        return row == null ? null : row[0];
    }

    /** The first row, every column as text (SQL NULL as null), or null when there is no row. */
    String[] row(String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String[] row = new String[rs.getMetaData().getColumnCount()];
                for (int i = 0; i < row.length; i++) {
                    row[i] = rs.getString(i + 1);
                }
                return row;
            }
        }
    }

    int number(String sql, Object... parameters) throws SQLException {
        return Integer.parseInt(text(sql, parameters));
    }
}
