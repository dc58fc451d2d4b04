package io.outboxrelay.consumers.runtime;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * The one place that decides what a failed transaction means (after HikariCP's
 * {@code SQLExceptionOverride}): try again, blame the event, or stop. Public for the payment
 * charger, which works outside the consumer runtime and must make the same decision.
 */
public final class SqlErrors {

    public enum Kind {
        /** Worth retrying: the same transaction can succeed later (lost connection, serialization failure, deadlock). */
        TRANSIENT,
        /** The event's data broke a constraint or a type: it will fail the same way every time. */
        REJECTS_EVENT,
        /** Neither: a bug or a broken setup (missing table, permissions). Stop rather than dead-letter everything. */
        FATAL
    }

    private SqlErrors() {
    }

    public static Kind classify(SQLException e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
            return Kind.TRANSIENT;
        }
        String state = sqlState(e);
        if (state == null || state.length() != 5) {
            return Kind.FATAL;
        }
        switch (state.substring(0, 2)) {
            case "08": // connection exception
            case "40": // transaction rollback: 40001 serialization failure, 40P01 deadlock, 40003 completion unknown
            case "53": // insufficient resources: too many connections, disk full, out of memory
                return Kind.TRANSIENT;
            case "22": // data exception: numeric overflow, string too long, invalid text representation
            case "23": // integrity constraint violation
                return Kind.REJECTS_EVENT;
            default:
                break;
        }
        return switch (state) {
            // server shutting down or restarting, statement timeout, lock timeout
            case "57P01", "57P02", "57P03", "57014", "55P03" -> Kind.TRANSIENT;
            default -> Kind.FATAL;
        };
    }

    /** The first SQLState in the chain: batch errors carry theirs on the next exception. */
    private static String sqlState(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if (x.getSQLState() != null) {
                return x.getSQLState();
            }
        }
        return e.getCause() instanceof SQLException cause ? cause.getSQLState() : null;
    }
}
