package io.outboxrelay.consumers.projection;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.consumers.projection.ReadModelWriter.StoredOrder;
import io.outboxrelay.consumers.runtime.ConsumerSchema;
import io.outboxrelay.consumers.runtime.Event;
import io.outboxrelay.consumers.runtime.EventHandler;
import io.outboxrelay.consumers.runtime.RejectedEventException;
import io.outboxrelay.sql.EventContract;

/**
 * The order read model: {@code order_view} (one row per order) and {@code customer_summary}
 * (count and sum of each customer's orders that are not cancelled, and their latest order).
 *
 * <p><b>Which events</b>: it handles {@code OrderPlaced} and {@code OrderCancelled}. It ignores the
 * payment events ({@code PaymentCompleted}, {@code PaymentFailed}, {@code CreditRejected}, {@code PaymentSettled},
 * {@code PaymentRefunded}), should it
 * be subscribed to {@code outbox.Payment} too: an order's status changes only through the order
 * system's own {@code OrderCancelled}. Any other event type goes to the dead-letter topic, so a new
 * order event that the view should reflect is seen at once instead of leaving the view silently
 * stale; declare it here, handled or ignored, to stop that.
 *
 * <p><b>Versions</b>: each row keeps the version of the last event applied to it. An event whose
 * version is not greater than the stored one is stale or repeated and changes nothing, even under
 * a new event id; this complements the runtime's processed-event check (which catches redelivery
 * of the same event). Events that cannot apply to what the model holds are rejected to the
 * dead-letter topic: an {@code OrderCancelled} for an order never placed here, or an
 * {@code OrderPlaced} with a newer version for an order already placed. A second
 * {@code OrderCancelled} of a cancelled order only moves the version: the first cancellation stays.
 */
public final class OrderReadModel implements EventHandler {

    /** The live read model's schema. */
    public static final String SCHEMA = "read_model";
    public static final String PLACED = "PLACED";
    public static final String CANCELLED = "CANCELLED";
    static final String MIGRATIONS = "classpath:db/read_model";
    private static final Set<String> IGNORED = Set.copyOf(EventContract.Payment.EVENT_TYPES);
    private static final Pattern SQL_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Logger LOG = LoggerFactory.getLogger(OrderReadModel.class);

    private final ReadModelWriter writer;
    private final ReadModelBatch batch;

    /** @param schema where the tables are; {@link #SCHEMA} unless rebuilding beside the live model */
    public OrderReadModel(String schema) {
        if (!SQL_NAME.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema '" + schema + "' must be lower-case letters, digits and _");
        }
        this.writer = new ReadModelWriter(schema);
        this.batch = new ReadModelBatch(writer);
    }

    /** Creates or updates the tables (and the runtime's processed_event) in {@code schema}; idempotent. */
    public static int migrate(DataSource dataSource, String schema) {
        return ConsumerSchema.migrate(dataSource, schema, MIGRATIONS);
    }

    @Override
    public Set<String> handledEventTypes() {
        return Set.of(EventContract.Order.PLACED, EventContract.Order.CANCELLED);
    }

    @Override
    public Set<String> ignoredEventTypes() {
        return IGNORED;
    }

    @Override
    public void handle(Event event, Connection connection) throws SQLException {
        switch (event.eventType()) {
            case EventContract.Order.PLACED -> place(OrderPlaced.from(event.payload()), connection, event);
            case EventContract.Order.CANCELLED -> cancel(OrderCancelled.from(event.payload()), connection, event);
            default -> throw new IllegalStateException("the runtime passed an event type not declared handled: "
                    + event.eventType());
        }
    }

    /** The same rules as {@link #handle}, applied to a poll's events with set-based SQL ({@link ReadModelBatch}). */
    @Override
    public void handleBatch(List<Event> events, Connection connection, Rejections rejections) throws SQLException {
        batch.apply(events, connection, rejections);
    }

    private void place(OrderPlaced e, Connection c, Event event) throws SQLException {
        Optional<StoredOrder> stored = writer.lockOrder(c, e.orderId());
        if (stored.isPresent()) {
            if (e.version() <= stored.get().version()) {
                LOG.debug("Stale OrderPlaced v{} for order {} (stored v{}) at {}", e.version(), e.orderId(),
                        stored.get().version(), event.source());
                return;
            }
            throw new RejectedEventException("OrderPlaced version " + e.version() + " for order " + e.orderId()
                    + ", which is already placed at version " + stored.get().version() + ": an order is placed once");
        }
        if (writer.insertOrder(c, e)) {
            writer.addToSummary(c, e);
        }
    }

    private void cancel(OrderCancelled e, Connection c, Event event) throws SQLException {
        StoredOrder stored = writer.lockOrder(c, e.orderId()).orElseThrow(() -> new RejectedEventException(
                "OrderCancelled for order " + e.orderId() + ", which this read model has not seen placed"));
        if (e.version() <= stored.version()) {
            LOG.debug("Stale OrderCancelled v{} for order {} (stored v{}) at {}", e.version(), e.orderId(),
                    stored.version(), event.source());
            return;
        }
        if (stored.placed()) {
            writer.cancelOrder(c, e);
            writer.subtractFromSummary(c, stored.customerId(), stored.total());
        } else {
            writer.setVersion(c, e.orderId(), e.version());
        }
    }
}
