package io.outboxrelay.legacy.order;

import java.util.Objects;
import java.util.UUID;

/** One line of an order to place: which product, how many. The price is looked up when placing. */
public record OrderLine(UUID productId, int quantity) {

    public OrderLine {
        Objects.requireNonNull(productId, "productId");
        if (quantity <= 0) {
            throw new IllegalArgumentException("quantity must be positive, was " + quantity + " for product " + productId);
        }
    }
}
