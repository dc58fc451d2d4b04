package io.outboxrelay.legacy.order;

import java.util.UUID;

/** A change was asked for an order id that is not in legacy.orders. */
public final class UnknownOrderException extends OrderRejectedException {

    private static final long serialVersionUID = 1L;

    private final UUID orderId;

    public UnknownOrderException(UUID orderId) {
        super("cannot cancel order: order " + orderId + " does not exist in legacy.orders");
        this.orderId = orderId;
    }

    public UUID orderId() {
        return orderId;
    }
}
