package io.outboxrelay.legacy.order;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import io.outboxrelay.sql.OutboxWriter;

/**
 * The legacy order system: every change to an order and its outbox event are written in one local
 * transaction, so the relay publishes an event exactly when the change committed.
 *
 * <p>Each method comes twice: on a connection borrowed from the data source for the call, and on a
 * connection the caller holds (a load client keeps one for its whole run). Either way the method
 * runs its own transaction and commits it; the connection must not have one open.
 */
public final class OrderService {

    /** The shop's currency: products have no currency of their own, so every order is in this one. */
    public static final String DEFAULT_CURRENCY = "EUR";

    private final DataSource dataSource;
    private final String currency;
    private final Clock clock;
    private final OutboxWriter outbox = new OutboxWriter();

    public OrderService(DataSource dataSource) {
        this(dataSource, DEFAULT_CURRENCY, Clock.systemUTC());
    }

    /** @param clock gives placedAt and cancelledAt; fixed in tests */
    public OrderService(DataSource dataSource, String currency, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        if (currency == null || !currency.matches("[A-Z]{3}")) {
            throw new IllegalArgumentException("currency must be an ISO 4217 code such as EUR, was " + currency);
        }
        this.currency = currency;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Places an order at the products' current prices and writes {@code OrderPlaced} (version 1).
     *
     * @throws UnknownCustomerException if the customer does not exist (nothing is written)
     * @throws UnknownProductException  if any product does not exist (nothing is written)
     */
    public Order placeOrder(UUID customerId, List<OrderLine> lines) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return placeOrder(c, customerId, lines);
        }
    }

    /** {@link #placeOrder(UUID, List)} on the caller's connection. */
    public Order placeOrder(Connection c, UUID customerId, List<OrderLine> lines) throws SQLException {
        Objects.requireNonNull(customerId, "customerId");
        if (lines == null || lines.isEmpty()) {
            throw new IllegalArgumentException("an order needs at least one line");
        }
        return Transactions.inTransaction(c, () -> {
            if (!OrderRows.customerExists(c, customerId)) {
                throw new UnknownCustomerException(customerId);
            }
            Order order = priced(customerId, lines, OrderRows.prices(c, productIds(lines)));
            OrderRows.insert(c, order);
            outbox.write(c, List.of(OrderEvents.placed(order)));
            return order;
        });
    }

    /**
     * Cancels an order and writes {@code OrderCancelled} with the next version. Cancelling an order
     * that is already cancelled changes nothing and writes no event, so a retried or duplicated
     * request (a redelivered compensation, say) is harmless.
     *
     * @return true if this call cancelled the order, false if it was already cancelled
     * @throws UnknownOrderException if the order does not exist
     */
    public boolean cancelOrder(UUID orderId, String reason) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return cancelOrder(c, orderId, reason);
        }
    }

    /** {@link #cancelOrder(UUID, String)} on the caller's connection. */
    public boolean cancelOrder(Connection c, UUID orderId, String reason) throws SQLException {
        Objects.requireNonNull(orderId, "orderId");
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a cancellation needs a reason");
        }
        return Transactions.inTransaction(c, () -> {
            // The row lock makes concurrent cancels queue up: the second one sees CANCELLED.
            OrderRows.Locked locked = OrderRows.lock(c, orderId).orElseThrow(() -> new UnknownOrderException(orderId));
            if (locked.status() == OrderStatus.CANCELLED) {
                return false;
            }
            int version = locked.version() + 1;
            Instant cancelledAt = now();
            OrderRows.markCancelled(c, orderId, reason, cancelledAt, version);
            outbox.write(c, List.of(OrderEvents.cancelled(orderId, locked.customerId(), version, reason, cancelledAt)));
            return true;
        });
    }

    /** The order as committed, with its lines in line order. */
    public Optional<Order> findOrder(UUID orderId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return OrderRows.find(c, orderId);
        }
    }

    private Order priced(UUID customerId, List<OrderLine> lines, Map<UUID, BigDecimal> prices) {
        List<UUID> unknown = productIds(lines).stream().filter(id -> !prices.containsKey(id)).toList();
        if (!unknown.isEmpty()) {
            throw new UnknownProductException(unknown);
        }
        List<Order.Line> priced = new ArrayList<>(lines.size());
        BigDecimal total = BigDecimal.ZERO;
        for (OrderLine line : lines) {
            BigDecimal unitPrice = prices.get(line.productId());
            priced.add(new Order.Line(priced.size() + 1, line.productId(), line.quantity(), unitPrice));
            total = total.add(unitPrice.multiply(BigDecimal.valueOf(line.quantity())));
        }
        return new Order(UUID.randomUUID(), customerId, OrderStatus.PLACED, priced, total, currency, now(), null, null, 1);
    }

    /** In line order, each once. */
    private static Set<UUID> productIds(List<OrderLine> lines) {
        Set<UUID> ids = new LinkedHashSet<>();
        lines.forEach(line -> ids.add(line.productId()));
        return ids;
    }

    /** Milliseconds only: the event carries milliseconds, and the row must hold the same instant. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
