package io.outboxrelay.relay.attach;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One change to the database: what it does (past tense, as reported: "created role relay_app"),
 * the SQL shown for it by --dry-run (secrets masked), and how it is applied.
 */
record Step(String done, String shownSql, Action action) {

    @FunctionalInterface
    interface Action {
        void apply(Connection connection) throws SQLException;
    }

    /** A step whose SQL is shown exactly as it runs (it holds no secret). */
    static Step sql(String done, String sql) {
        return new Step(done, sql, connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
        });
    }
}
