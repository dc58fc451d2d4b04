package io.outboxrelay.legacy.compensation;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.consumers.runtime.ConsumerSchema;
import io.outboxrelay.consumers.runtime.Event;
import io.outboxrelay.consumers.runtime.EventHandler;
import io.outboxrelay.consumers.runtime.Payloads;
import io.outboxrelay.consumers.runtime.RejectedEventException;
import io.outboxrelay.legacy.order.OrderService;
import io.outboxrelay.legacy.order.UnknownOrderException;
import io.outboxrelay.sql.EventContract;

/**
 * The compensating step of the order saga, on topic {@code outbox.Payment}: an order whose payment
 * failed ({@code PaymentFailed}) or whose credit was rejected ({@code CreditRejected}) is cancelled
 * in the legacy order system through {@link OrderService#cancelOrder}, which writes
 * {@code OrderCancelled} to the legacy outbox. {@code PaymentCompleted}, {@code PaymentSettled} and
 * {@code PaymentRefunded} (the refund follows a cancellation, so there is nothing left to compensate)
 * need nothing and are ignored.
 * The customer's credit needs no compensation: the payment processor never keeps a reservation for
 * a failed or rejected payment.
 *
 * <p><b>Two transactions, no duplicate effect.</b> The consumer's {@code processed_event} lives in the
 * legacy database, schema {@value #SCHEMA}, but cannot commit together with the cancellation:
 * {@code OrderService} runs and commits its own transaction on its own connection, and refuses one
 * with a transaction open. So the cancellation commits first, then the runtime commits the processed
 * event id. A crash in between redelivers the event, and the second {@code cancelOrder} finds the order
 * cancelled, returns false and writes no second {@code OrderCancelled}: the order system's own
 * idempotency closes the gap the processed-event check leaves open.
 *
 * <p>The {@link OrderService} must be built on a data source whose connections start in auto-commit
 * (not {@code DataSources.pooled}, whose connections do not); the runtime's data source is the legacy
 * database too, but only for {@code processed_event}.
 */
public final class OrderCompensation implements EventHandler {

    public static final String SCHEMA = "compensation";
    static final String MIGRATIONS = "classpath:db/compensation";

    private static final Logger LOG = LoggerFactory.getLogger(OrderCompensation.class);

    private final OrderService orders;

    public OrderCompensation(OrderService orders) {
        this.orders = Objects.requireNonNull(orders, "orders");
    }

    /** Creates the schema {@value #SCHEMA} with the runtime's processed_event in the legacy database; idempotent. */
    public static int migrate(DataSource legacyDb) {
        return ConsumerSchema.migrate(legacyDb, SCHEMA, MIGRATIONS);
    }

    @Override
    public Set<String> handledEventTypes() {
        return Set.of(EventContract.Payment.FAILED, EventContract.Payment.CREDIT_REJECTED);
    }

    @Override
    public Set<String> ignoredEventTypes() {
        return Set.of(EventContract.Payment.COMPLETED, EventContract.Payment.SETTLED, EventContract.Payment.REFUNDED);
    }

    /** Does not use {@code connection}: see the class comment for why the cancellation commits on its own. */
    @Override
    public void handle(Event event, Connection connection) throws SQLException {
        UUID orderId = Payloads.uuid(event.payload(), "orderId");
        String detail = Payloads.text(event.payload(), "reason");
        String reason = switch (event.eventType()) {
            case EventContract.Payment.FAILED -> "payment failed: " + detail;
            case EventContract.Payment.CREDIT_REJECTED -> "credit rejected: " + detail;
            default -> throw new IllegalStateException("the runtime passed an event type not declared handled: "
                    + event.eventType());
        };
        boolean cancelled;
        try {
            cancelled = orders.cancelOrder(orderId, reason);
        } catch (UnknownOrderException e) {
            throw new RejectedEventException(event.eventType() + " for order " + orderId
                    + ", which the order system does not know", e);
        }
        if (cancelled) {
            LOG.info("Cancelled order {} ({})", orderId, reason);
        } else {
            LOG.debug("Order {} was already cancelled; {} {} at {} changes nothing", orderId, event.eventType(),
                    event.eventId(), event.source());
        }
    }
}
