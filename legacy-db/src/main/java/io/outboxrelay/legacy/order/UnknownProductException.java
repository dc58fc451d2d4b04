package io.outboxrelay.legacy.order;

import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/** An order names one or more product ids that are not in legacy.products. */
public final class UnknownProductException extends OrderRejectedException {

    private static final long serialVersionUID = 1L;

    private final List<UUID> productIds;

    /** @param productIds every unknown id, so the caller can fix all of them at once */
    public UnknownProductException(List<UUID> productIds) {
        super(message(productIds));
        this.productIds = List.copyOf(productIds);
    }

    public List<UUID> productIds() {
        return productIds;
    }

    private static String message(List<UUID> productIds) {
        String ids = productIds.stream().map(UUID::toString).collect(Collectors.joining(", "));
        return productIds.size() == 1
                ? "cannot place order: product " + ids + " does not exist in legacy.products"
                : "cannot place order: products " + ids + " do not exist in legacy.products";
    }
}
