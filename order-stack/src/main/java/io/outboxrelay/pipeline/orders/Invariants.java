package io.outboxrelay.pipeline.orders;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import javax.sql.DataSource;

/**
 * Reads the three databases and says whether the pipeline kept its promises: the read model
 * equals the legacy database, every order has exactly one payment outcome, every failed or
 * rejected order is cancelled and no payment is left pending, no customer's reserved credit exceeds
 * its limit or differs from what its payments hold, and nothing happened twice.
 */
final class Invariants {

    private final DataSource legacy;
    private final DataSource payments;
    private final DataSource readModel;

    Invariants(DataSource legacy, DataSource payments, DataSource readModel) {
        this.legacy = legacy;
        this.payments = payments;
        this.readModel = readModel;
    }

    /** The summary's figures, in a stable order (the keys of the --json output). */
    Map<String, Long> measure(long eventsRelayed) throws SQLException {
        Map<String, String> legacyOrders = rows(legacy, "SELECT id::text, status || ' ' || total FROM legacy.orders");
        Map<String, String> viewOrders = rows(readModel, "SELECT order_id::text, status || ' ' || total FROM read_model.order_view");
        Map<String, String> legacyCustomers = rows(legacy, "SELECT customer_id::text, count(*) || ' ' || sum(total)"
                + " FROM legacy.orders WHERE status = 'PLACED' GROUP BY customer_id");
        Map<String, String> viewCustomers = rows(readModel, "SELECT customer_id::text, order_count || ' ' || total"
                + " FROM read_model.customer_summary WHERE order_count > 0");
        Map<String, String> outcomes = rows(payments, "SELECT order_id::text, status FROM payment.payment");
        // what a payment holds of its customer's credit: pending, or charged and neither settled nor refunded
        String holding = "(status = 'PENDING' OR (status = 'COMPLETED' AND settled_at IS NULL AND refunded_at IS NULL))";

        Set<String> failedNotCancelled = new HashSet<>();
        outcomes.forEach((order, status) -> {
            if ((status.equals("FAILED") || status.equals("REJECTED")) && !legacyOrders.getOrDefault(order, "").startsWith("CANCELLED")) {
                failedNotCancelled.add(order);
            }
        });
        long withoutOutcome = legacyOrders.keySet().stream().filter(o -> !outcomes.containsKey(o)).count();

        Map<String, Long> m = new LinkedHashMap<>();
        m.put("orders_placed", (long) legacyOrders.size());
        m.put("events_relayed", eventsRelayed);
        m.put("read_model_orders", (long) viewOrders.size());
        m.put("payments_completed", count(outcomes, "COMPLETED"));
        m.put("payments_failed", count(outcomes, "FAILED"));
        m.put("credit_rejected", count(outcomes, "REJECTED"));
        m.put("payments_pending", count(outcomes, "PENDING"));
        m.put("payments_settled", scalar(payments, "SELECT count(*) FROM payment.payment WHERE settled_at IS NOT NULL"));
        m.put("payments_refunded", scalar(payments, "SELECT count(*) FROM payment.payment WHERE refunded_at IS NOT NULL"));
        m.put("orders_cancelled", legacyOrders.values().stream().filter(s -> s.startsWith("CANCELLED")).count());
        m.put("credit_limit_violations", scalar(payments, "SELECT count(*) FROM payment.credit WHERE reserved > credit_limit")
                + scalar(payments, "SELECT count(*) FROM (SELECT p.customer_id FROM payment.payment p"
                + " JOIN payment.credit c USING (customer_id) WHERE " + holding
                + " GROUP BY p.customer_id, c.credit_limit HAVING sum(p.amount) > c.credit_limit) over_limit"));
        // an effect is an outbox event: a second OrderCancelled, a second payment outcome for one order, or a
        // second settlement or refund of one payment (a second charge or refund cannot happen: one payment row
        // per order, one charge and one refund per idempotency key; run reports the gateway's repeated requests)
        m.put("duplicate_effects", scalar(legacy, "SELECT count(*) FROM (SELECT aggregate_id FROM outbox.event WHERE event_type = 'OrderCancelled'"
                + " GROUP BY aggregate_id HAVING count(*) > 1) twice")
                + scalar(payments, "SELECT count(*) FROM (SELECT aggregate_id FROM outbox.event"
                + " WHERE event_type IN ('PaymentCompleted', 'PaymentFailed', 'CreditRejected')"
                + " GROUP BY aggregate_id HAVING count(*) > 1) twice")
                + scalar(payments, "SELECT count(*) FROM (SELECT aggregate_id FROM outbox.event"
                + " GROUP BY aggregate_id, event_type HAVING count(*) > 1) twice"));
        // what is reserved must be exactly what the payments hold: pending ones, and charged ones until the
        // customer paid (settled) or the charge was refunded; a failed charge released its reservation
        m.put("credit_mismatches", scalar(payments, "SELECT count(*) FROM payment.credit c LEFT JOIN"
                + " (SELECT customer_id, sum(amount) AS held FROM payment.payment WHERE " + holding
                + " GROUP BY customer_id) p USING (customer_id) WHERE c.reserved <> coalesce(p.held, 0)"));
        m.put("read_model_mismatches", differences(legacyOrders, viewOrders) + differences(legacyCustomers, viewCustomers));
        m.put("orders_without_outcome", withoutOutcome);
        m.put("failed_not_cancelled", (long) failedNotCancelled.size());
        return m;
    }

    /** The figures that must be zero, and the pairs that must be equal, for the run to pass. */
    static boolean holds(Map<String, Long> m) {
        return m.get("credit_limit_violations") == 0 && m.get("duplicate_effects") == 0 && m.get("credit_mismatches") == 0
                && m.get("read_model_mismatches") == 0 && m.get("orders_without_outcome") == 0
                && m.get("failed_not_cancelled") == 0 && m.get("payments_pending") == 0
                && m.get("read_model_orders").equals(m.get("orders_placed"))
                && m.get("orders_cancelled") == m.get("payments_failed") + m.get("credit_rejected");
    }

    private static long differences(Map<String, String> expected, Map<String, String> actual) {
        Set<String> keys = new HashSet<>(expected.keySet());
        keys.addAll(actual.keySet());
        return keys.stream().filter(k -> !Objects.equals(normal(expected.get(k)), normal(actual.get(k)))).count();
    }

    /** "PLACED 25.0" and "PLACED 25.00" are the same amount. */
    private static String normal(String value) {
        if (value == null) {
            return null;
        }
        int space = value.lastIndexOf(' ');
        try {
            return value.substring(0, space + 1) + new BigDecimal(value.substring(space + 1)).stripTrailingZeros().toPlainString();
        }
        catch (NumberFormatException e) {
            return value;
        }
    }

    private static long count(Map<String, String> outcomes, String status) {
        return outcomes.values().stream().filter(status::equals).count();
    }

    private static Map<String, String> rows(DataSource ds, String sql) throws SQLException {
        Map<String, String> out = new HashMap<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    private static long scalar(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
