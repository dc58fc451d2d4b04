package io.outboxrelay.legacy.order;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The SQL of the order tables, on the caller's connection and in the caller's transaction. */
final class OrderRows {

    /** The fields of a locked order row that a change needs. */
    record Locked(UUID customerId, OrderStatus status, int version) {
    }

    private OrderRows() {
    }

    static boolean customerExists(Connection c, UUID customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM legacy.customers WHERE id = ?")) {
            ps.setObject(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Current prices of those of {@code productIds} that exist. */
    static Map<UUID, BigDecimal> prices(Connection c, Collection<UUID> productIds) throws SQLException {
        Map<UUID, BigDecimal> prices = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, price FROM legacy.products WHERE id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("uuid", productIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    prices.put(rs.getObject(1, UUID.class), rs.getBigDecimal(2));
                }
            }
        }
        return prices;
    }

    static void insert(Connection c, Order order) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO legacy.orders"
                + " (id, customer_id, status, total, currency, placed_at, version) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, order.id());
            ps.setObject(2, order.customerId());
            ps.setString(3, order.status().name());
            ps.setBigDecimal(4, order.total());
            ps.setString(5, order.currency());
            ps.setObject(6, utc(order.placedAt()));
            ps.setInt(7, order.version());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO legacy.order_lines"
                + " (order_id, line_no, product_id, quantity, unit_price) VALUES (?, ?, ?, ?, ?)")) {
            for (Order.Line line : order.lines()) {
                ps.setObject(1, order.id());
                ps.setInt(2, line.lineNo());
                ps.setObject(3, line.productId());
                ps.setInt(4, line.quantity());
                ps.setBigDecimal(5, line.unitPrice());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Locks the order row until the transaction ends, so that of two concurrent changes the second
     * sees the first one's result (and its version) instead of overwriting it.
     */
    static Optional<Locked> lock(Connection c, UUID orderId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT customer_id, status, version FROM legacy.orders WHERE id = ? FOR UPDATE")) {
            ps.setObject(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Locked(rs.getObject(1, UUID.class), OrderStatus.valueOf(rs.getString(2)),
                        rs.getInt(3)));
            }
        }
    }

    static void markCancelled(Connection c, UUID orderId, String reason, Instant cancelledAt, int version)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE legacy.orders SET status = ?, cancelled_at = ?,"
                + " cancel_reason = ?, version = ? WHERE id = ?")) {
            ps.setString(1, OrderStatus.CANCELLED.name());
            ps.setObject(2, utc(cancelledAt));
            ps.setString(3, reason);
            ps.setInt(4, version);
            ps.setObject(5, orderId);
            ps.executeUpdate();
        }
    }

    static Optional<Order> find(Connection c, UUID orderId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT customer_id, status, total, currency, placed_at,"
                + " cancelled_at, cancel_reason, version FROM legacy.orders WHERE id = ?")) {
            ps.setObject(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Order(orderId, rs.getObject(1, UUID.class), OrderStatus.valueOf(rs.getString(2)),
                        lines(c, orderId), rs.getBigDecimal(3), rs.getString(4), instant(rs.getObject(5, OffsetDateTime.class)),
                        instant(rs.getObject(6, OffsetDateTime.class)), rs.getString(7), rs.getInt(8)));
            }
        }
    }

    private static List<Order.Line> lines(Connection c, UUID orderId) throws SQLException {
        List<Order.Line> lines = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT line_no, product_id, quantity, unit_price"
                + " FROM legacy.order_lines WHERE order_id = ? ORDER BY line_no")) {
            ps.setObject(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.add(new Order.Line(rs.getInt(1), rs.getObject(2, UUID.class), rs.getInt(3), rs.getBigDecimal(4)));
                }
            }
        }
        return lines;
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
