package io.outboxrelay.consumers.payment;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /**
     * Locks and reads the accounts of {@code customers} in ascending order (so two batches never wait for each other in
     * a circle); a customer without an account is not in the result.
     */
    static List<Credit> lockAll(Connection c, Collection<UUID> customers) throws SQLException {
        List<Credit> out = new ArrayList<>();
        if (customers.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT customer_id, credit_limit, reserved FROM " + TABLE
                + " WHERE customer_id = ANY (?) ORDER BY customer_id FOR UPDATE")) {
            ps.setArray(1, c.createArrayOf("uuid", customers.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Credit(rs.getObject(1, UUID.class), rs.getBigDecimal(2), rs.getBigDecimal(3)));
                }
            }
        }
        return out;
    }

    /** Sets what accounts locked by {@link #lockAll} have reserved, with one statement; the table's checks still apply. */
    static void setReserved(Connection c, Map<UUID, BigDecimal> reserved) throws SQLException {
        if (reserved.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " c SET reserved = v.reserved"
                + " FROM unnest(?::uuid[], ?::numeric[]) AS v(customer_id, reserved) WHERE c.customer_id = v.customer_id")) {
            ps.setArray(1, c.createArrayOf("uuid", reserved.keySet().toArray()));
            ps.setArray(2, c.createArrayOf("numeric", reserved.values().toArray()));
            ps.executeUpdate();
        }
    }

    /**
     * Locks those of the accounts that no other transaction holds. The payment consumer holds the accounts it
     * reserved on until its batch commits (up to a poll of records); the charger, which only releases, tries again
     * later instead of waiting that long (or deadlocking with the batch).
     *
     * @return the customers whose account is now locked
     */
    static Set<UUID> tryLockAll(Connection c, Collection<UUID> customers) throws SQLException {
        Set<UUID> locked = new HashSet<>();
        if (customers.isEmpty()) {
            return locked;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT customer_id FROM " + TABLE
                + " WHERE customer_id = ANY (?) ORDER BY customer_id FOR UPDATE SKIP LOCKED")) {
            ps.setArray(1, c.createArrayOf("uuid", customers.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    locked.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return locked;
    }

    /**
     * Gives back reservations, one sum per customer, with one statement: charges declined, customers who paid
     * (settled) or charges refunded.
     */
    static void releaseAll(Connection c, Map<UUID, BigDecimal> amounts) throws SQLException {
        if (amounts.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " c SET reserved = c.reserved - v.amount"
                + " FROM unnest(?::uuid[], ?::numeric[]) AS v(customer_id, amount) WHERE c.customer_id = v.customer_id")) {
            ps.setArray(1, c.createArrayOf("uuid", amounts.keySet().toArray()));
            ps.setArray(2, c.createArrayOf("numeric", amounts.values().toArray()));
            int updated = ps.executeUpdate();
            if (updated != amounts.size()) {
                throw new IllegalStateException("credit accounts vanished while releasing " + amounts + ": " + updated
                        + " of " + amounts.size() + " found");
            }
        }
    }
}
