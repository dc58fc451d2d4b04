package io.outboxrelay.consumers.payment;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** The SQL of {@code payment.payment}, on the caller's transaction; it never commits. */
final class Payments {

    enum Status { COMPLETED, FAILED, REJECTED }

    /** One outcome, as inserted. */
    record Payment(UUID orderId, UUID customerId, BigDecimal amount, Status status, String idempotencyKey,
                   int attemptCount, String reason, Instant createdAt) {
    }

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
                + " (order_id, customer_id, amount, status, idempotency_key, attempt_count, reason, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, p.orderId());
            ps.setObject(2, p.customerId());
            ps.setBigDecimal(3, p.amount());
            ps.setString(4, p.status().name());
            ps.setString(5, p.idempotencyKey());
            ps.setInt(6, p.attemptCount());
            ps.setString(7, p.reason());
            ps.setTimestamp(8, Timestamp.from(p.createdAt()));
            ps.executeUpdate();
        }
    }
}
