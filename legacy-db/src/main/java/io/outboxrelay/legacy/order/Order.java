package io.outboxrelay.legacy.order;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An order as stored in legacy.orders and legacy.order_lines.
 *
 * @param version      the aggregate version: 1 when placed, raised by one with every change
 * @param cancelledAt  null unless cancelled
 * @param cancelReason null unless cancelled
 */
public record Order(UUID id, UUID customerId, OrderStatus status, List<Line> lines, BigDecimal total, String currency,
                    Instant placedAt, Instant cancelledAt, String cancelReason, int version) {

    public Order {
        lines = List.copyOf(lines);
    }

    /** A stored line: the unit price is the product's price when the order was placed. */
    public record Line(int lineNo, UUID productId, int quantity, BigDecimal unitPrice) {
    }
}
