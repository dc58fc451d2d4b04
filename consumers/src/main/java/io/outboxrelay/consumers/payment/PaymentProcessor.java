package io.outboxrelay.consumers.payment;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.consumers.runtime.ConsumerSchema;
import io.outboxrelay.consumers.runtime.Event;
import io.outboxrelay.consumers.runtime.EventHandler;
import io.outboxrelay.consumers.runtime.RejectedEventException;
import io.outboxrelay.sql.EventContract;
import io.outboxrelay.sql.OutboxSchema;
import io.outboxrelay.sql.OutboxWriter;

/**
 * The payment step of the order saga, on topic {@code outbox.Order}. It does database work only, inside
 * the runtime's transaction; the gateway is called by {@link PaymentCharger}. For each {@code OrderPlaced}
 * it reserves the order total against the customer's credit and writes one payment row per order in
 * {@code payment.payment}:
 * <ul>
 * <li>{@code PENDING}: the total is reserved; the charger charges it and moves the row to
 *     {@code COMPLETED} ({@code PaymentCompleted}) or {@code FAILED} ({@code PaymentFailed}, reservation
 *     released), later settling completed ones ({@code PaymentSettled}, reservation released);</li>
 * <li>{@code REJECTED} + {@code CreditRejected}: the total does not fit under the credit limit
 *     (nothing is reserved, the gateway is never called).</li>
 * </ul>
 * The events go to the payments database's own outbox ({@code outbox.event}, aggregate
 * {@value PaymentEvents#AGGREGATE_TYPE}, id = order id), written on the runtime's connection: the
 * credit change, the payment row, the event and the processed event id commit together or not at all.
 *
 * <p><b>Why the gateway is not called here</b>: the runtime applies a poll's events in one transaction and
 * applies a batch again after a rollback, so a call made here would be repeated, and it would hold the
 * transaction and the credit row locks for the gateway's latency; an outage would stop the consumer.
 * Committing {@code PENDING} first and charging outside any transaction avoids all three; the price is
 * the charger's recovery of rows left pending, which the gateway's idempotency key makes safe.
 *
 * <p><b>Once per order</b>: a redelivered record is stopped by the runtime's processed-event check; the
 * same order under another event id (a replay, a re-emitted event) finds its payment row and changes
 * nothing. An advisory lock on the order id makes that check safe between overlapping transactions.
 *
 * <p><b>Settling follows the orders' time</b>: before an order's credit check, the customer's completed payments of
 * orders placed {@code settleAfter} or more before it are settled (the simulated customer has paid them by the time
 * this order was placed). The charger settles on the wall clock too, but only this makes the decision independent of
 * how fast the events are processed: a backlog (a consumer catching up, a replay) finds the credit as it was when the
 * order was placed, instead of all its predecessors still reserved. Measured before this (settlement on the wall clock
 * only): 19% rejected in {@code run --orders 3000}, 31% in {@code --orders 30000}.
 *
 * <p><b>Credit</b> comes from the consumer's own table, seeded from the legacy customers by
 * {@link #importCredit}; the processor never reads the legacy database while handling events. An
 * order of a customer without a credit account is dead-lettered (import credit, then replay it)
 * rather than rejected, since rejecting would cancel the order for a setup gap.
 *
 * <p><b>OrderCancelled</b> of a pending or completed payment asks for a refund (the charger gives the
 * money back through the gateway with {@link #refundKey} and releases the credit if not settled yet,
 * with {@code PaymentRefunded}); of a failed or rejected one, it changes nothing.
 */
public final class PaymentProcessor implements EventHandler {

    public static final String SCHEMA = "payment";
    static final String MIGRATIONS = "classpath:db/payment";

    private static final Logger LOG = LoggerFactory.getLogger(PaymentProcessor.class);

    private final Clock clock;
    private final PaymentBatch batch;

    public PaymentProcessor() {
        this(Clock.systemUTC(), PaymentCharger.Settings.defaults().settleAfter());
    }

    /**
     * @param clock       gives created_at and the events' timestamps; fixed in tests
     * @param settleAfter how long after placing an order its customer pays (the charger's setting too)
     */
    public PaymentProcessor(Clock clock, Duration settleAfter) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.batch = new PaymentBatch(Objects.requireNonNull(settleAfter, "settleAfter"), new OutboxWriter());
    }

    /**
     * Creates or updates, in the payments database, the outbox ({@link OutboxSchema}) and the schema
     * {@value #SCHEMA} (credit, payment and the runtime's processed_event); idempotent.
     *
     * @return the number of migrations applied by this call
     */
    public static int migrate(DataSource paymentsDb) {
        return OutboxSchema.migrate(paymentsDb) + ConsumerSchema.migrate(paymentsDb, SCHEMA, MIGRATIONS);
    }

    /**
     * Copies every legacy customer's credit limit into {@code payment.credit} (new accounts start with
     * nothing reserved; existing ones keep their reservations), in one transaction. Run it before
     * the consumer starts and whenever limits change; it is idempotent.
     *
     * @param legacyDb   the order system's database, read once here and never at event time
     * @param paymentsDb the payments database
     * @return the number of accounts written
     * @throws SQLException with SQLState 23514 if a limit was lowered below what is reserved; nothing is written then
     */
    public static int importCredit(DataSource legacyDb, DataSource paymentsDb) throws SQLException {
        Map<UUID, BigDecimal> limits = new LinkedHashMap<>();
        try (Connection c = legacyDb.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id, credit_limit FROM legacy.customers ORDER BY id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                limits.put(rs.getObject(1, UUID.class), rs.getBigDecimal(2));
            }
            if (!c.getAutoCommit()) {
                c.rollback(); // read only: just end the transaction before the pool takes the connection back
            }
        }
        try (Connection c = paymentsDb.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                for (Map.Entry<UUID, BigDecimal> e : limits.entrySet()) {
                    CreditAccounts.upsert(c, e.getKey(), e.getValue());
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
        LOG.info("Imported the credit limits of {} customers", limits.size());
        return limits.size();
    }

    /** The gateway's idempotency key for an order's charge: the same order always gives the same key. */
    public static String idempotencyKey(UUID orderId) {
        return "order-" + orderId;
    }

    /** The gateway's idempotency key for giving back an order's charge: one refund per order. */
    public static String refundKey(UUID orderId) {
        return "refund-order-" + orderId;
    }

    @Override
    public Set<String> handledEventTypes() {
        return Set.of(EventContract.Order.PLACED, EventContract.Order.CANCELLED);
    }

    /** One event: a batch of one (the rules are the same whatever a batch holds). */
    @Override
    public void handle(Event event, Connection connection) throws SQLException {
        handleBatch(List.of(event), connection, (e, reason) -> {
            throw new RejectedEventException(reason);
        });
    }

    /** A poll's events with a fixed number of statements ({@link PaymentBatch}). */
    @Override
    public void handleBatch(List<Event> events, Connection connection, Rejections rejections) throws SQLException {
        batch.apply(events, connection, rejections, clock.instant().truncatedTo(ChronoUnit.MILLIS));
    }
}
