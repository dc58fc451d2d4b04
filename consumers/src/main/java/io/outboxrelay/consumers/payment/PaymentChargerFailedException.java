package io.outboxrelay.consumers.payment;

import java.sql.SQLException;

/**
 * The payment charger stopped because the payments database refused its work in a way that retrying cannot
 * fix: a missing table or column, a missing privilege, or another error that is not transient. Payments stay
 * {@code PENDING} (their credit reserved) until a charger runs again; nothing was recorded half. The message
 * names the cause and what to do.
 */
public final class PaymentChargerFailedException extends RuntimeException {

    private final String sqlState;

    private PaymentChargerFailedException(String message, String sqlState, Throwable cause) {
        super(message, cause);
        this.sqlState = sqlState;
    }

    /** The permanent error that stopped the charger, with what to do about it. */
    static PaymentChargerFailedException of(SQLException e) {
        String state = sqlState(e);
        String remedy;
        if ("42501".equals(state)) {
            remedy = "grant the charger's database user SELECT and UPDATE on payment.payment and payment.credit"
                    + " and INSERT on outbox.event, then restart it";
        } else if (state != null && (state.startsWith("42P") || state.equals("42703") || state.equals("42883")
                || state.equals("3F000"))) {
            remedy = "the payments schema is missing or out of date: run the payments migrations"
                    + " (PaymentProcessor.migrate, or the setup command), then restart it";
        } else {
            remedy = "this error is not transient, so retrying would not help: fix the payments database, then restart it";
        }
        return new PaymentChargerFailedException("the payments database refused the charger's work: "
                + firstLine(e.getMessage()) + " (SQLState " + state + "); pending payments wait, with their credit"
                + " reserved; " + remedy, state, e);
    }

    /** The SQLState of the error that stopped the charger; null when the driver gave none. */
    public String sqlState() {
        return sqlState;
    }

    private static String sqlState(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if (x.getSQLState() != null) {
                return x.getSQLState();
            }
        }
        return null;
    }

    /** PostgreSQL appends "Position: 42" and hints on further lines; the pipeline prints one line. */
    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }
}
