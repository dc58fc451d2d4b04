package io.outboxrelay.consumers.payment;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The SQL of {@code payment.payment}, on the caller's transaction; it never commits. */
final class Payments {

    enum Status { PENDING, COMPLETED, FAILED, REJECTED }

    /** A payment as inserted: PENDING (reserved, not charged yet) or REJECTED. */
    record Payment(UUID orderId, UUID customerId, BigDecimal amount, String currency, Instant placedAt, Status status,
                   String idempotencyKey, int attemptCount, String reason, Instant createdAt) {
    }

    /** What the charger needs of a payment to call the gateway and write its events. */
    record Due(UUID orderId, UUID customerId, BigDecimal amount, String currency, String idempotencyKey,
               Instant createdAt, boolean settled) {

        OrderToPay order() {
            return new OrderToPay(orderId, customerId, amount, currency);
        }
    }

    private static final String DUE_COLUMNS = "order_id, customer_id, amount, currency, idempotency_key, created_at,"
            + " settled_at IS NOT NULL";

    private static final String TABLE = PaymentProcessor.SCHEMA + ".payment";
    // any constant: it keeps these advisory locks apart from other users of pg_advisory_xact_lock
    private static final int LOCK_CLASS = 0x5041_5900;

    private Payments() {
    }

    /**
     * Serialises transactions about the same order until commit. Needed because there may be no row
     * to lock yet: the same order delivered twice under two event ids, in overlapping transactions
     * (a rebalance), would otherwise both find no payment and both go on to reserve and charge.
     */
    static void lockOrder(Connection c, UUID orderId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
            ps.setInt(1, LOCK_CLASS);
            ps.setInt(2, orderId.hashCode()); // a collision only makes two orders wait for each other
            ps.executeQuery().close();
        }
    }

    static Optional<Status> status(Connection c, UUID orderId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT status FROM " + TABLE + " WHERE order_id = ?")) {
            ps.setObject(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Status.valueOf(rs.getString(1))) : Optional.empty();
            }
        }
    }

    static void insert(Connection c, Payment p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE
                + " (order_id, customer_id, amount, currency, placed_at, status, idempotency_key, attempt_count, reason,"
                + " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, p.orderId());
            ps.setObject(2, p.customerId());
            ps.setBigDecimal(3, p.amount());
            ps.setString(4, p.currency());
            ps.setTimestamp(5, Timestamp.from(p.placedAt()));
            ps.setString(6, p.status().name());
            ps.setString(7, p.idempotencyKey());
            ps.setInt(8, p.attemptCount());
            ps.setString(9, p.reason());
            ps.setTimestamp(10, Timestamp.from(p.createdAt()));
            ps.executeUpdate();
        }
    }

    /** Marks a pending or completed payment to be refunded; false when there is nothing to refund or it was asked already. */
    static boolean requestRefund(Connection c, UUID orderId, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET refund_requested_at = ?"
                + " WHERE order_id = ? AND status IN ('PENDING', 'COMPLETED') AND refund_requested_at IS NULL")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setObject(2, orderId);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Takes up to {@code limit} pending payments, oldest first, and leases them for {@code lease}: another
     * charger skips them (locked rows are skipped, leased ones filtered) until the lease ends. The caller
     * commits at once, so no transaction stays open while the gateway is asked.
     *
     * @param ignoreLeases take also payments leased or backed off, as after a crash (the gateway's idempotency
     *                     makes asking again safe)
     */
    static List<Due> claimPending(Connection c, int limit, Duration lease, boolean ignoreLeases) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET attempt_count = attempt_count + 1,"
                + " next_attempt_at = now() + ? * interval '1 millisecond' WHERE order_id IN (SELECT order_id FROM " + TABLE
                + " WHERE status = 'PENDING' AND (? OR next_attempt_at IS NULL OR next_attempt_at <= now())"
                + " ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING " + DUE_COLUMNS)) {
            ps.setLong(1, lease.toMillis());
            ps.setBoolean(2, ignoreLeases);
            ps.setInt(3, limit);
            return dues(ps);
        }
    }

    /** The gateway could not be reached: leave the payment pending and ask again after {@code backoff}. */
    static void backOff(Connection c, UUID orderId, Duration backoff) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE
                + " SET next_attempt_at = now() + ? * interval '1 millisecond' WHERE order_id = ? AND status = 'PENDING'")) {
            ps.setLong(1, backoff.toMillis());
            ps.setObject(2, orderId);
            ps.executeUpdate();
        }
    }

    /**
     * Locks those of {@code orderIds} that are still pending and that no other transaction holds.
     *
     * @return the locked ones, and the ones still pending but held by another transaction (to try again)
     */
    static Locked lockPending(Connection c, List<UUID> orderIds) throws SQLException {
        java.util.Set<UUID> locked = new java.util.HashSet<>();
        java.util.Set<UUID> busy = new java.util.HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT order_id FROM " + TABLE
                + " WHERE order_id = ANY (?) AND status = 'PENDING' FOR UPDATE SKIP LOCKED")) {
            ps.setArray(1, c.createArrayOf("uuid", orderIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    locked.add(rs.getObject(1, UUID.class));
                }
            }
        }
        if (locked.size() < orderIds.size()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT order_id FROM " + TABLE
                    + " WHERE order_id = ANY (?) AND status = 'PENDING'")) {
                ps.setArray(1, c.createArrayOf("uuid", orderIds.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        UUID id = rs.getObject(1, UUID.class);
                        if (!locked.contains(id)) {
                            busy.add(id);
                        }
                    }
                }
            }
        }
        return new Locked(locked, busy);
    }

    record Locked(java.util.Set<UUID> locked, java.util.Set<UUID> busy) {
    }

    /** Gateway calls so far for a pending payment (the current one included). */
    static int attempts(Connection c, UUID orderId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT attempt_count FROM " + TABLE + " WHERE order_id = ?")) {
            ps.setObject(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    /**
     * Records the gateway's answer if the payment is still pending.
     *
     * @return false when another charger recorded it first (nothing changed)
     */
    static boolean resolve(Connection c, UUID orderId, Status status, String reason, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET status = ?, reason = ?, resolved_at = ?,"
                + " next_attempt_at = NULL WHERE order_id = ? AND status = 'PENDING'")) {
            ps.setString(1, status.name());
            ps.setString(2, reason);
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setObject(4, orderId);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Marks up to {@code limit} completed payments resolved before {@code dueBefore} as settled, oldest
     * first, skipping those whose payment or credit row another transaction holds: the caller releases
     * their credit in the same transaction without waiting for any lock.
     */
    static List<Due> settle(Connection c, Instant dueBefore, int limit, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET settled_at = ? WHERE order_id IN"
                + " (SELECT p.order_id FROM " + TABLE + " p JOIN " + PaymentProcessor.SCHEMA + ".credit c USING (customer_id)"
                + " WHERE p.status = 'COMPLETED' AND p.settled_at IS NULL AND p.refund_requested_at IS NULL"
                + " AND p.resolved_at <= ? ORDER BY p.resolved_at LIMIT ? FOR UPDATE OF p, c SKIP LOCKED)"
                + " RETURNING " + DUE_COLUMNS)) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setTimestamp(2, Timestamp.from(dueBefore));
            ps.setInt(3, limit);
            return dues(ps);
        }
    }

    /** Marks the customer's completed payments of orders placed up to {@code placedBefore} as settled. */
    static List<Due> settleCustomer(Connection c, UUID customerId, Instant placedBefore, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET settled_at = ? WHERE customer_id = ?"
                + " AND status = 'COMPLETED' AND settled_at IS NULL AND refund_requested_at IS NULL AND placed_at <= ?"
                + " RETURNING " + DUE_COLUMNS)) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setObject(2, customerId);
            ps.setTimestamp(3, Timestamp.from(placedBefore));
            return dues(ps);
        }
    }

    /** Completed payments whose refund was requested and not done yet, oldest request first. */
    static List<Due> refundsDue(Connection c, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + DUE_COLUMNS + " FROM " + TABLE
                + " WHERE status = 'COMPLETED' AND refund_requested_at IS NOT NULL AND refunded_at IS NULL"
                + " ORDER BY refund_requested_at LIMIT ?")) {
            ps.setInt(1, limit);
            return dues(ps);
        }
    }

    /**
     * Records a refund the gateway confirmed.
     *
     * @return whether the payment was settled before (its credit was released then), or empty when
     *         another charger recorded the refund first
     */
    static Optional<Boolean> refunded(Connection c, UUID orderId, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET refunded_at = ?"
                + " WHERE order_id = ? AND refunded_at IS NULL RETURNING settled_at IS NOT NULL")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setObject(2, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBoolean(1)) : Optional.empty();
            }
        }
    }

    private static List<Due> dues(PreparedStatement ps) throws SQLException {
        List<Due> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Due(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getBigDecimal(3),
                        rs.getString(4), rs.getString(5), rs.getTimestamp(6).toInstant(), rs.getBoolean(7)));
            }
        }
        out.sort(Comparator.comparing(Due::createdAt)); // RETURNING keeps no order
        return out;
    }
}
