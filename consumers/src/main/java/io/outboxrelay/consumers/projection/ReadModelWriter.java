package io.outboxrelay.consumers.projection;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

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

    /** Locks the rows of {@code orderIds} that exist, in order_id order (as every batch does, so none waits in a cycle). */
    Map<UUID, ReadModelBatch.Row> lockOrders(Connection c, Collection<UUID> orderIds) throws SQLException {
        Map<UUID, ReadModelBatch.Row> rows = new HashMap<>();
        if (orderIds.isEmpty()) {
            return rows;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT order_id, customer_id, status, total, version FROM " + orderView
                + " WHERE order_id = ANY (?) ORDER BY order_id FOR UPDATE")) {
            ps.setArray(1, c.createArrayOf("uuid", orderIds.stream().distinct().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID id = rs.getObject(1, UUID.class);
                    rows.put(id, new ReadModelBatch.Row(id, rs.getObject(2, UUID.class), rs.getString(3), rs.getBigDecimal(4),
                            rs.getInt(5), false));
                }
            }
        }
        return rows;
    }

    /**
     * Inserts the batch's new orders as the batch leaves them (placed, or already cancelled).
     *
     * @throws SQLException with SQLState 40001 (retried) when another transaction inserted one of them meanwhile
     */
    void insertOrders(Connection c, List<ReadModelBatch.Row> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + orderView
                + " (order_id, customer_id, status, total, currency, line_count, placed_at, cancelled_at, cancel_reason, version)"
                + " SELECT u.id, u.customer, u.status, u.total::numeric, u.currency, u.lines, u.placed::timestamptz,"
                + " u.cancelled::timestamptz, u.reason, u.version"
                + " FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::text[],"
                + " ?::int[]) AS u(id, customer, status, total, currency, lines, placed, cancelled, reason, version)"
                + " ORDER BY u.id ON CONFLICT (order_id) DO NOTHING")) {
            ps.setArray(1, column(c, "uuid", rows, r -> r.orderId));
            ps.setArray(2, column(c, "uuid", rows, r -> r.customerId));
            ps.setArray(3, column(c, "text", rows, r -> r.status));
            ps.setArray(4, column(c, "text", rows, r -> r.total.toPlainString()));
            ps.setArray(5, column(c, "text", rows, r -> r.placed.currency()));
            ps.setArray(6, column(c, "int4", rows, r -> r.placed.lineCount()));
            ps.setArray(7, column(c, "text", rows, r -> r.placed.placedAt().toString()));
            ps.setArray(8, column(c, "text", rows, r -> r.cancelledAt == null ? null : r.cancelledAt.toString()));
            ps.setArray(9, column(c, "text", rows, r -> r.cancelReason));
            ps.setArray(10, column(c, "int4", rows, r -> r.version));
            int inserted = ps.executeUpdate();
            if (inserted != rows.size()) {
                throw new SQLException((rows.size() - inserted) + " of " + rows.size()
                        + " orders were inserted by another transaction meanwhile", "40001");
            }
        }
    }

    /** Writes the status, version and (when cancelled in this batch) cancellation of existing orders. */
    void updateOrders(Connection c, List<ReadModelBatch.Row> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + orderView + " AS o SET status = u.status, version = u.version,"
                + " cancelled_at = COALESCE(u.cancelled::timestamptz, o.cancelled_at),"
                + " cancel_reason = CASE WHEN u.cancelled IS NULL THEN o.cancel_reason ELSE u.reason END"
                + " FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::int[]) AS u(id, status, cancelled, reason, version)"
                + " WHERE o.order_id = u.id")) {
            ps.setArray(1, column(c, "uuid", rows, r -> r.orderId));
            ps.setArray(2, column(c, "text", rows, r -> r.status));
            ps.setArray(3, column(c, "text", rows, r -> r.cancelledAt == null ? null : r.cancelledAt.toString()));
            ps.setArray(4, column(c, "text", rows, r -> r.cancelReason));
            ps.setArray(5, column(c, "int4", rows, r -> r.version));
            ps.executeUpdate();
        }
    }

    /** One column of {@code rows} as a SQL array, for {@code unnest}: one statement writes them all. */
    private static <T> Array column(Connection c, String type, List<T> rows, Function<T, Object> value) throws SQLException {
        return c.createArrayOf(type, rows.stream().map(value).toArray());
    }

    /**
     * Adds the batch's changes to the customers' summaries as one by one would: first the orders placed (an upsert: a
     * customer's first order creates the row), then the cancellations taken out (an update: the row exists, since a
     * cancelled order was placed). Two statements, because a net change can be negative and the check on
     * {@code order_count} applies to the row an upsert proposes.
     */
    void changeSummaries(Connection c, Map<UUID, ReadModelBatch.SummaryChange> changes) throws SQLException {
        List<Map.Entry<UUID, ReadModelBatch.SummaryChange>> placing = new ArrayList<>();
        List<Map.Entry<UUID, ReadModelBatch.SummaryChange>> cancelling = new ArrayList<>();
        for (Map.Entry<UUID, ReadModelBatch.SummaryChange> e : changes.entrySet()) {
            if (e.getValue().placed > 0) {
                placing.add(e);
            }
            if (e.getValue().cancelled > 0) {
                cancelling.add(e);
            }
        }
        if (!placing.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + customerSummary + " AS s"
                    + " (customer_id, order_count, total, last_order_id, last_order_at)"
                    + " SELECT u.customer, u.n, u.total::numeric, u.last_id, u.last_at::timestamptz"
                    + " FROM unnest(?::uuid[], ?::int[], ?::text[], ?::uuid[], ?::text[]) AS u(customer, n, total, last_id, last_at)"
                    + " ORDER BY u.customer"
                    + " ON CONFLICT (customer_id) DO UPDATE SET"
                    + " order_count = s.order_count + excluded.order_count,"
                    + " total = s.total + excluded.total,"
                    + " last_order_id = CASE WHEN (excluded.last_order_at, excluded.last_order_id) > (s.last_order_at, s.last_order_id)"
                    + "   THEN excluded.last_order_id ELSE s.last_order_id END,"
                    + " last_order_at = GREATEST(s.last_order_at, excluded.last_order_at)")) {
                ps.setArray(1, column(c, "uuid", placing, Map.Entry::getKey));
                ps.setArray(2, column(c, "int4", placing, e -> e.getValue().placed));
                ps.setArray(3, column(c, "text", placing, e -> e.getValue().placedTotal.toPlainString()));
                ps.setArray(4, column(c, "uuid", placing, e -> e.getValue().lastOrderId));
                ps.setArray(5, column(c, "text", placing, e -> e.getValue().lastOrderAt.toString()));
                ps.executeUpdate();
            }
        }
        if (!cancelling.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + customerSummary + " AS s"
                    + " SET order_count = s.order_count - u.n, total = s.total - u.total::numeric"
                    + " FROM unnest(?::uuid[], ?::int[], ?::text[]) AS u(customer, n, total) WHERE s.customer_id = u.customer")) {
                ps.setArray(1, column(c, "uuid", cancelling, Map.Entry::getKey));
                ps.setArray(2, column(c, "int4", cancelling, e -> e.getValue().cancelled));
                ps.setArray(3, column(c, "text", cancelling, e -> e.getValue().cancelledTotal.toPlainString()));
                if (ps.executeUpdate() != cancelling.size()) {
                    throw new IllegalStateException("order_view has placed orders of customers " + cancelling.stream()
                            .map(Map.Entry::getKey).toList() + " but customer_summary lacks a row for some of them");
                }
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
