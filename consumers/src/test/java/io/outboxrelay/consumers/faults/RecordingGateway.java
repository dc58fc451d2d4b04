package io.outboxrelay.consumers.faults;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

import javax.sql.DataSource;

import io.outboxrelay.consumers.payment.PaymentGateway;
import io.outboxrelay.consumers.payment.SimulatedGateway;

/**
 * A payment gateway outside the consumer's process and transactions, as a real one is: every request
 * is logged in {@code gateway.request} and the first answer per idempotency key kept in
 * {@code gateway.charge}, each in its own auto-committed statement on its own pool, so a consumer
 * killed at any moment cannot take back what the "bank" saw. Repeated keys get the first answer and
 * are not charged again. Whether a key is declined comes from a {@link SimulatedGateway} (the same
 * answer for the same key in every process).
 */
final class RecordingGateway implements PaymentGateway {

    static final String SCHEMA_SQL = "CREATE SCHEMA gateway;"
            + " CREATE TABLE gateway.request (id bigserial PRIMARY KEY, idempotency_key text NOT NULL,"
            + "   requested_at timestamptz NOT NULL DEFAULT clock_timestamp());"
            + " CREATE TABLE gateway.charge (idempotency_key text PRIMARY KEY, order_id uuid NOT NULL,"
            + "   amount numeric(12,2) NOT NULL, approved boolean NOT NULL, reason text)";

    private final DataSource autoCommitPool;
    private final SimulatedGateway decisions;

    RecordingGateway(DataSource autoCommitPool, SimulatedGateway decisions) {
        this.autoCommitPool = autoCommitPool;
        this.decisions = decisions;
    }

    @Override
    public ChargeResult charge(String idempotencyKey, UUID orderId, UUID customerId, BigDecimal amount) {
        ChargeResult decision = decisions.charge(idempotencyKey, orderId, customerId, amount);
        try (Connection c = autoCommitPool.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO gateway.request (idempotency_key) VALUES (?)")) {
                ps.setString(1, idempotencyKey);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO gateway.charge (idempotency_key, order_id, amount,"
                    + " approved, reason) VALUES (?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING")) {
                ps.setString(1, idempotencyKey);
                ps.setObject(2, orderId);
                ps.setBigDecimal(3, amount);
                ps.setBoolean(4, decision.approved());
                ps.setString(5, decision.reason());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT approved, reason FROM gateway.charge WHERE idempotency_key = ?")) {
                ps.setString(1, idempotencyKey);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1) ? ChargeResult.approvedCharge() : ChargeResult.declined(rs.getString(2));
                }
            }
        } catch (SQLException e) {
            // the outcome is unknown: the caller records none and asks again with the same key
            throw new IllegalStateException("gateway unreachable: " + e.getMessage(), e);
        }
    }

    /** Not recorded: the kill test cancels no order. */
    @Override
    public void refund(String idempotencyKey, String chargeKey, BigDecimal amount) {
        decisions.refund(idempotencyKey, chargeKey, amount);
    }
}
