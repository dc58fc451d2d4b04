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
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The SQL of {@code payment.payment}, on the caller's transaction; it never commits. */
final class Payments {

    enum Status { PENDING, COMPLETED, FAILED, REJECTED }

    /** A payment as inserted: PENDING (reserved, not charged yet; maybe asked to refund already) or REJECTED. */
    record Payment(UUID orderId, UUID customerId, BigDecimal amount, String currency, Instant placedAt, Status status,
                   String idempotencyKey, String reason, Instant createdAt, Instant refundRequestedAt) {

        Payment(UUID orderId, UUID customerId, BigDecimal amount, String currency, Instant placedAt, Status status,
                String idempotencyKey, String reason, Instant createdAt) {
            this(orderId, customerId, amount, currency, placedAt, status, idempotencyKey, reason, createdAt, null);
        }

        Payment withRefundRequestedAt(Instant at) {
            return new Payment(orderId, customerId, amount, currency, placedAt, status, idempotencyKey, reason, createdAt, at);
        }
    }

    /** What a batch needs of an order's stored payment. */
    record Existing(Status status, boolean refundRequested) {

        /** Whether an {@code OrderCancelled} asks for a refund: charged or about to be, and not asked yet. */
        boolean refundable() {
            return (status == Status.PENDING || status == Status.COMPLETED) && !refundRequested;
        }
    }

    /** A completed payment that has not settled, with the order's time that decides when it does. */
    record Settleable(Due due, Instant placedAt) {

        UUID customerId() {
            return due.customerId();
        }
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
     * Serialises transactions about the same orders until commit, in one statement. Needed because there may be no
     * row to lock yet: the same order delivered twice under two event ids, in overlapping transactions (a
     * rebalance), would otherwise both find no payment and both go on to reserve and charge. The locks are taken
     * in ascending order so two batches never wait for each other in a circle.
     */
    static void lockOrders(Connection c, Collection<UUID> orderIds) throws SQLException {
        Integer[] keys = orderIds.stream().map(UUID::hashCode).distinct().sorted().toArray(Integer[]::new);
        try (PreparedStatement ps = c.prepareStatement("SELECT count(pg_advisory_xact_lock(?, k)) FROM unnest(?::int[]) AS k")) {
            ps.setInt(1, LOCK_CLASS); // a hash collision only makes two orders wait for each other
            ps.setArray(2, c.createArrayOf("int4", keys));
            ps.executeQuery().close();
        }
    }

    /** The stored payments of {@code orderIds}, by order id. */
    static Map<UUID, Existing> existing(Connection c, Collection<UUID> orderIds) throws SQLException {
        Map<UUID, Existing> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT order_id, status, refund_requested_at IS NOT NULL FROM "
                + TABLE + " WHERE order_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("uuid", orderIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getObject(1, UUID.class), new Existing(Status.valueOf(rs.getString(2)), rs.getBoolean(3)));
                }
            }
        }
        return out;
    }

    /**
     * Locks and returns the completed payments of {@code customers} of orders placed up to {@code placedBefore} that
     * have neither settled nor been asked to refund, by placed_at. The caller holds the customers' credit rows, so the
     * charger's own settling (which skips locked rows) leaves these alone until the caller commits.
     */
    static List<Settleable> lockSettleable(Connection c, Collection<UUID> customers, Instant placedBefore) throws SQLException {
        List<Settleable> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + DUE_COLUMNS + ", placed_at FROM " + TABLE
                + " WHERE customer_id = ANY (?) AND status = 'COMPLETED' AND settled_at IS NULL AND refund_requested_at IS NULL"
                + " AND placed_at <= ? ORDER BY placed_at, order_id FOR UPDATE")) {
            ps.setArray(1, c.createArrayOf("uuid", customers.toArray()));
            ps.setTimestamp(2, Timestamp.from(placedBefore));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Settleable(due(rs), rs.getTimestamp(8).toInstant()));
                }
            }
        }
        return out;
    }

    /** Marks payments locked by {@link #lockSettleable} as settled. */
    static void markSettled(Connection c, List<UUID> orderIds, Instant now) throws SQLException {
        if (orderIds.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET settled_at = ? WHERE order_id = ANY (?)")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setArray(2, c.createArrayOf("uuid", orderIds.toArray()));
            ps.executeUpdate();
        }
    }

    /** Inserts {@code payments} with one statement. */
    static void insertAll(Connection c, Collection<Payment> payments) throws SQLException {
        if (payments.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE
                + " (order_id, customer_id, amount, currency, placed_at, status, idempotency_key, attempt_count, reason,"
                + " created_at, refund_requested_at) SELECT o, cu, a, cur, pl, s, k, 0, r, cr, rr FROM unnest(?::uuid[],"
                + " ?::uuid[], ?::numeric[], ?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::timestamptz[],"
                + " ?::timestamptz[]) AS v(o, cu, a, cur, pl, s, k, r, cr, rr)")) {
            ps.setArray(1, c.createArrayOf("uuid", payments.stream().map(Payment::orderId).toArray()));
            ps.setArray(2, c.createArrayOf("uuid", payments.stream().map(Payment::customerId).toArray()));
            ps.setArray(3, c.createArrayOf("numeric", payments.stream().map(Payment::amount).toArray()));
            ps.setArray(4, c.createArrayOf("text", payments.stream().map(Payment::currency).toArray()));
            ps.setArray(5, c.createArrayOf("timestamptz", payments.stream().map(p -> timestamp(p.placedAt())).toArray()));
            ps.setArray(6, c.createArrayOf("text", payments.stream().map(p -> p.status().name()).toArray()));
            ps.setArray(7, c.createArrayOf("text", payments.stream().map(Payment::idempotencyKey).toArray()));
            ps.setArray(8, c.createArrayOf("text", payments.stream().map(Payment::reason).toArray()));
            ps.setArray(9, c.createArrayOf("timestamptz", payments.stream().map(p -> timestamp(p.createdAt())).toArray()));
            ps.setArray(10, c.createArrayOf("timestamptz", payments.stream().map(p -> timestamp(p.refundRequestedAt())).toArray()));
            ps.executeUpdate();
        }
    }

    private static Timestamp timestamp(Instant at) {
        return at == null ? null : Timestamp.from(at);
    }

    /**
     * Marks those of {@code orderIds} whose payment is pending or completed and not asked to refund yet as to be refunded.
     *
     * @return the ones marked
     */
    static List<UUID> requestRefunds(Connection c, Collection<UUID> orderIds, Instant now) throws SQLException {
        List<UUID> out = new ArrayList<>();
        if (orderIds.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET refund_requested_at = ? WHERE order_id = ANY (?)"
                + " AND status IN ('PENDING', 'COMPLETED') AND refund_requested_at IS NULL RETURNING order_id")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setArray(2, c.createArrayOf("uuid", orderIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return out;
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
     * Records the gateway's answers, {@code status} with each payment's reason (null for a completed one), for the
     * payments locked by {@link #lockPending} (so all are still pending), with one statement.
     */
    static void resolveAll(Connection c, Status status, Map<UUID, String> reasons, Instant now) throws SQLException {
        if (reasons.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " p SET status = ?, reason = v.reason,"
                + " resolved_at = ?, next_attempt_at = NULL FROM unnest(?::uuid[], ?::text[]) AS v(order_id, reason)"
                + " WHERE p.order_id = v.order_id AND p.status = 'PENDING'")) {
            ps.setString(1, status.name());
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setArray(3, c.createArrayOf("uuid", reasons.keySet().toArray()));
            ps.setArray(4, c.createArrayOf("text", reasons.values().toArray()));
            ps.executeUpdate();
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

    private static Due due(ResultSet rs) throws SQLException {
        return new Due(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getBigDecimal(3), rs.getString(4),
                rs.getString(5), rs.getTimestamp(6).toInstant(), rs.getBoolean(7));
    }

    private static List<Due> dues(PreparedStatement ps) throws SQLException {
        List<Due> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(due(rs));
            }
        }
        out.sort(Comparator.comparing(Due::createdAt)); // RETURNING keeps no order
        return out;
    }
}
