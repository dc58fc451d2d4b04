package io.outboxrelay.consumers.payment;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/** The SQL of {@code payment.credit}, on the caller's transaction; it never commits. */
public final class CreditAccounts {

    /** A customer's credit as stored. */
    public record Credit(UUID customerId, BigDecimal creditLimit, BigDecimal reserved) {
    }

    private static final String TABLE = PaymentProcessor.SCHEMA + ".credit";

    private CreditAccounts() {
    }

    /**
     * Creates the account or sets its limit; what is reserved stays.
     *
     * @throws SQLException with SQLState 23514 if the new limit is below what the customer has reserved
     */
    public static void upsert(Connection c, UUID customerId, BigDecimal creditLimit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (customer_id, credit_limit, reserved)"
                + " VALUES (?, ?, 0) ON CONFLICT (customer_id) DO UPDATE SET credit_limit = excluded.credit_limit")) {
            ps.setObject(1, customerId);
            ps.setBigDecimal(2, creditLimit);
            ps.executeUpdate();
        }
    }

    public static Optional<Credit> find(Connection c, UUID customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT credit_limit, reserved FROM " + TABLE + " WHERE customer_id = ?")) {
            ps.setObject(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Credit(customerId, rs.getBigDecimal(1), rs.getBigDecimal(2))) : Optional.empty();
            }
        }
    }

    /**
     * Reserves {@code amount} if it fits under the limit. One statement, so two orders of the same
     * customer in concurrent transactions cannot both pass the check on a stale value: the second
     * waits for the first's row lock and re-evaluates the condition on the committed row.
     *
     * @return the account after the reservation, or empty if it does not fit or there is no account
     */
    static Optional<Credit> reserve(Connection c, UUID customerId, BigDecimal amount) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET reserved = reserved + ?"
                + " WHERE customer_id = ? AND reserved + ? <= credit_limit RETURNING credit_limit, reserved")) {
            ps.setBigDecimal(1, amount);
            ps.setObject(2, customerId);
            ps.setBigDecimal(3, amount);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Credit(customerId, rs.getBigDecimal(1), rs.getBigDecimal(2))) : Optional.empty();
            }
        }
    }

    /**
     * Locks the account unless another transaction holds it. The payment consumer holds the accounts it
     * reserved on until its batch commits (up to a poll of records); the charger, which only releases,
     * tries again later instead of waiting that long (or deadlocking with the batch).
     *
     * @return false when the account is locked by another transaction (nothing was locked)
     */
    static boolean tryLock(Connection c, UUID customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM " + TABLE + " WHERE customer_id = ? FOR UPDATE SKIP LOCKED")) {
            ps.setObject(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Gives back a reservation: the charge was declined, the customer paid (settled) or the charge was refunded. */
    static void release(Connection c, UUID customerId, BigDecimal amount) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE " + TABLE + " SET reserved = reserved - ? WHERE customer_id = ?")) {
            ps.setBigDecimal(1, amount);
            ps.setObject(2, customerId);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("credit account of customer " + customerId + " vanished while releasing " + amount);
            }
        }
    }
}
