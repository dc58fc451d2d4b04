package io.outboxrelay.consumers.payment;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.consumers.payment.CreditAccounts.Credit;
import io.outboxrelay.consumers.payment.PaymentGateway.ChargeResult;
import io.outboxrelay.consumers.payment.Payments.Payment;
import io.outboxrelay.consumers.payment.Payments.Status;
import io.outboxrelay.consumers.runtime.ConsumerSchema;
import io.outboxrelay.consumers.runtime.Event;
import io.outboxrelay.consumers.runtime.EventHandler;
import io.outboxrelay.consumers.runtime.Payloads;
import io.outboxrelay.consumers.runtime.RejectedEventException;
import io.outboxrelay.legacy.OutboxWriter;
import io.outboxrelay.sql.OutboxSchema;

/**
 * The payment step of the order saga, on topic {@code outbox.Order}: for each {@code OrderPlaced} it
 * reserves the order total against the customer's credit and charges it through the
 * {@link PaymentGateway}, and records exactly one outcome per order in {@code payment.payment}:
 * <ul>
 * <li>{@code REJECTED} + {@code CreditRejected}: the total does not fit under the credit limit
 *     (nothing is reserved, the gateway is not called);</li>
 * <li>{@code COMPLETED} + {@code PaymentCompleted}: charged; the total stays reserved;</li>
 * <li>{@code FAILED} + {@code PaymentFailed}: declined by the gateway; the reservation is released.</li>
 * </ul>
 * The events go to the payments database's own outbox ({@code outbox.event}, aggregate
 * {@value PaymentEvents#AGGREGATE_TYPE}, id = order id), written on the runtime's connection: the
 * credit change, the payment row, the event and the processed event id commit together or not at all.
 *
 * <p><b>Once per order</b>: a redelivered record is stopped by the runtime's processed-event check; the
 * same order under another event id (a replay, a re-emitted event) finds its payment row and changes
 * nothing. An advisory lock on the order id makes that check safe between overlapping transactions.
 *
 * <p><b>The gateway is called inside the database transaction.</b> That keeps the design simple (one
 * transaction, no intermediate "charging" state, no second consumer step) and is safe because the
 * idempotency key is derived from the order id: if the transaction rolls back after the charge (lost
 * connection, crash before commit), the record is processed again and the gateway answers the repeated
 * key with the first answer instead of charging twice. The trade-off: the transaction, and the credit
 * row lock it holds, stay open for the gateway's latency, which limits throughput per customer and
 * makes a slow gateway hold database connections; and a gateway that is down stops the consumer (the
 * outcome is unknown, so no row can be written). The alternative, a {@code PENDING} row committed
 * before the call and completed after it, removes that at the cost of a recovery job for rows left
 * pending.
 *
 * <p><b>Credit</b> comes from the consumer's own table, seeded from the legacy customers by
 * {@link #importCredit}; the processor never reads the legacy database while handling events. An
 * order of a customer without a credit account is dead-lettered (import credit, then replay it)
 * rather than rejected, since rejecting would cancel the order for a setup gap.
 *
 * <p><b>OrderCancelled</b>: nothing happens yet, also for a completed payment, whose amount stays
 * charged and reserved; refunding it and releasing the credit is a later step of the saga (logged).
 */
public final class PaymentProcessor implements EventHandler {

    public static final String SCHEMA = "payment";
    static final String MIGRATIONS = "classpath:db/payment";

    private static final Logger LOG = LoggerFactory.getLogger(PaymentProcessor.class);

    private final PaymentGateway gateway;
    private final Clock clock;
    private final OutboxWriter outbox = new OutboxWriter();

    public PaymentProcessor(PaymentGateway gateway) {
        this(gateway, Clock.systemUTC());
    }

    /** @param clock gives created_at and the events' timestamps; fixed in tests */
    public PaymentProcessor(PaymentGateway gateway, Clock clock) {
        this.gateway = Objects.requireNonNull(gateway, "gateway");
        this.clock = Objects.requireNonNull(clock, "clock");
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

    @Override
    public Set<String> handledEventTypes() {
        return Set.of(OrderToPay.ORDER_PLACED, OrderToPay.ORDER_CANCELLED);
    }

    @Override
    public void handle(Event event, Connection connection) throws SQLException {
        switch (event.eventType()) {
            case OrderToPay.ORDER_PLACED -> pay(OrderToPay.from(event.payload()), connection, event);
            case OrderToPay.ORDER_CANCELLED -> cancelled(Payloads.uuid(event.payload(), "orderId"), connection);
            default -> throw new IllegalStateException("the runtime passed an event type not declared handled: "
                    + event.eventType());
        }
    }

    private void pay(OrderToPay order, Connection c, Event event) throws SQLException {
        Payments.lockOrder(c, order.orderId());
        Optional<Status> existing = Payments.status(c, order.orderId());
        if (existing.isPresent()) {
            LOG.debug("Order {} already has payment outcome {}; OrderPlaced {} at {} changes nothing", order.orderId(),
                    existing.get(), event.eventId(), event.source());
            return;
        }
        String key = idempotencyKey(order.orderId());
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Optional<Credit> afterReserve = CreditAccounts.reserve(c, order.customerId(), order.amount());
        if (afterReserve.isEmpty()) {
            reject(order, key, now, c);
            return;
        }
        ChargeResult result = gateway.charge(key, order.orderId(), order.customerId(), order.amount());
        if (result.approved()) {
            Payments.insert(c, new Payment(order.orderId(), order.customerId(), order.amount(), Status.COMPLETED, key, 1, null, now));
            outbox.write(c, List.of(PaymentEvents.completed(order, key, now)));
        } else {
            CreditAccounts.release(c, order.customerId(), order.amount());
            Payments.insert(c, new Payment(order.orderId(), order.customerId(), order.amount(), Status.FAILED, key, 1,
                    result.reason(), now));
            outbox.write(c, List.of(PaymentEvents.failed(order, key, result.reason(), now)));
        }
    }

    private void reject(OrderToPay order, String key, Instant now, Connection c) throws SQLException {
        Credit credit = CreditAccounts.find(c, order.customerId()).orElseThrow(() -> new RejectedEventException(
                "OrderPlaced for order " + order.orderId() + " of customer " + order.customerId()
                        + ", who has no credit account: import the credit limits (PaymentProcessor.importCredit),"
                        + " then replay this record"));
        String reason = "credit limit exceeded: limit " + credit.creditLimit() + ", reserved " + credit.reserved()
                + ", order total " + order.amount();
        Payments.insert(c, new Payment(order.orderId(), order.customerId(), order.amount(), Status.REJECTED, key, 0, reason, now));
        outbox.write(c, List.of(PaymentEvents.creditRejected(order, credit.creditLimit(), credit.reserved(), reason, now)));
    }

    private void cancelled(UUID orderId, Connection c) throws SQLException {
        Optional<Status> status = Payments.status(c, orderId);
        if (status.isPresent() && status.get() == Status.COMPLETED) {
            // Refund and credit release for a cancelled, paid order are not built yet: the money stays charged.
            LOG.warn("Order {} was cancelled after its payment completed; it is not refunded (not implemented)", orderId);
        }
    }
}
