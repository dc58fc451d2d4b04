package io.outboxrelay.consumers.projection;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Optional;
import java.util.UUID;

/** The read model's SQL, on the caller's transaction. */
final class ReadModelWriter {

    /** What the model holds about an order, read with a row lock. */
    record StoredOrder(UUID customerId, String status, BigDecimal total, int version) {
        boolean placed() {
            return OrderReadModel.PLACED.equals(status);
        }
    }

    private final String orderView;
    private final String customerSummary;

    ReadModelWriter(String schema) {
        this.orderView = schema + ".order_view";
        this.customerSummary = schema + ".customer_summary";
    }

    /** Locks the row so that reading the version and writing the change cannot interleave with another event's. */
    Optional<StoredOrder> lockOrder(Connection c, UUID orderId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT customer_id, status, total, version FROM " + orderView + " WHERE order_id = ? FOR UPDATE")) {
            ps.setObject(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new StoredOrder(rs.getObject(1, UUID.class), rs.getString(2), rs.getBigDecimal(3), rs.getInt(4)))
                        : Optional.empty();
            }
        }
    }

    /** @return false if the order was inserted meanwhile (then it is not this event's to count) */
    boolean insertOrder(Connection c, OrderPlaced e) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + orderView
                + " (order_id, customer_id, status, total, currency, line_count, placed_at, version)"
                + " VALUES (?, ?, '" + OrderReadModel.PLACED + "', ?, ?, ?, ?, ?) ON CONFLICT (order_id) DO NOTHING")) {
            ps.setObject(1, e.orderId());
            ps.setObject(2, e.customerId());
            ps.setBigDecimal(3, e.total());
            ps.setString(4, e.currency());
            ps.setInt(5, e.lineCount());
            ps.setTimestamp(6, Timestamp.from(e.placedAt()));
            ps.setInt(7, e.version());
            return ps.executeUpdate() == 1;
        }
    }

    void cancelOrder(Connection c, OrderCancelled e) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + orderView
                + " SET status = '" + OrderReadModel.CANCELLED + "', cancelled_at = ?, cancel_reason = ?, version = ?"
                + " WHERE order_id = ?")) {
            ps.setTimestamp(1, Timestamp.from(e.cancelledAt()));
            ps.setString(2, e.reason());
            ps.setInt(3, e.version());
            ps.setObject(4, e.orderId());
            ps.executeUpdate();
        }
    }

    void setVersion(Connection c, UUID orderId, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + orderView + " SET version = ? WHERE order_id = ?")) {
            ps.setInt(1, version);
            ps.setObject(2, orderId);
            ps.executeUpdate();
        }
    }

    /**
     * Counts a placed order. The last order is the greatest (placed_at, order_id): the order id
     * breaks ties so that a replay, which may interleave partitions differently, picks the same one.
     */
    void addToSummary(Connection c, OrderPlaced e) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + customerSummary + " AS s"
                + " (customer_id, order_count, total, last_order_id, last_order_at) VALUES (?, 1, ?, ?, ?)"
                + " ON CONFLICT (customer_id) DO UPDATE SET"
                + " order_count = s.order_count + 1,"
                + " total = s.total + excluded.total,"
                + " last_order_id = CASE WHEN (excluded.last_order_at, excluded.last_order_id) > (s.last_order_at, s.last_order_id)"
                + "   THEN excluded.last_order_id ELSE s.last_order_id END,"
                + " last_order_at = GREATEST(s.last_order_at, excluded.last_order_at)")) {
            ps.setObject(1, e.customerId());
            ps.setBigDecimal(2, e.total());
            ps.setObject(3, e.orderId());
            ps.setTimestamp(4, Timestamp.from(e.placedAt()));
            ps.executeUpdate();
        }
    }

    /** Takes a cancelled order out of the count and sum; it stays the last order if it was. */
    void subtractFromSummary(Connection c, UUID customerId, BigDecimal total) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + customerSummary
                + " SET order_count = order_count - 1, total = total - ? WHERE customer_id = ?")) {
            ps.setBigDecimal(1, total);
            ps.setObject(2, customerId);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("order_view has a placed order of customer " + customerId
                        + " but customer_summary has no row for it");
            }
        }
    }
}
