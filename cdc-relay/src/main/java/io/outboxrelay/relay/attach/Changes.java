package io.outboxrelay.relay.attach;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies steps in one transaction and reports each once it is committed, or, for a dry run,
 * prints their SQL and applies nothing.
 */
final class Changes {

    private final PrintWriter out;
    private final boolean dryRun;
    private final List<Step> steps = new ArrayList<>();

    Changes(PrintWriter out, boolean dryRun) {
        this.out = out;
        this.dryRun = dryRun;
    }

    boolean dryRun() {
        return dryRun;
    }

    void alreadyPresent(String what) {
        say("already present: " + what);
    }

    void alreadyAbsent(String what) {
        say("already absent: " + what);
    }

    /** A line of the report; a comment in a dry run, whose output stays runnable SQL. */
    void say(String line) {
        out.println(dryRun ? "-- " + line : line);
    }

    /** Prints SQL that a dry run would have run outside of {@link #add steps} (the migrations). */
    void showSql(String done, String sql) {
        out.println("-- would have " + done);
        out.println(sql.strip());
    }

    void add(Step step) {
        steps.add(step);
    }

    /**
     * Applies the steps added so far in one transaction, then reports them; a failure rolls all
     * of them back.
     */
    void commit(Connection connection) throws SQLException {
        if (dryRun) {
            steps.forEach(step -> showSql(step.done(), step.shownSql() + ";"));
            steps.clear();
            return;
        }
        if (steps.isEmpty()) {
            return;
        }
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            for (Step step : steps) {
                step.action().apply(connection);
            }
            connection.commit();
        }
        catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        }
        finally {
            connection.setAutoCommit(autoCommit);
        }
        steps.forEach(step -> out.println(step.done()));
        steps.clear();
        out.flush();
    }

    /**
     * Applies the steps added so far one by one, each on its own (for what cannot be rolled back
     * anyway, such as dropping a replication slot), reporting each as it is done.
     */
    void applyOneByOne(Connection connection) throws SQLException {
        if (dryRun) {
            commit(connection);
            return;
        }
        try {
            for (Step step : steps) {
                step.action().apply(connection);
                out.println(step.done());
                out.flush();
            }
        }
        finally {
            steps.clear();
        }
    }
}
