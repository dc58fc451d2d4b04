package io.outboxrelay.legacy.order;

import java.util.UUID;

/** An order was placed for a customer id that is not in legacy.customers. */
public final class UnknownCustomerException extends OrderRejectedException {

    private static final long serialVersionUID = 1L;

    private final UUID customerId;

    public UnknownCustomerException(UUID customerId) {
        super("cannot place order: customer " + customerId + " does not exist in legacy.customers");
        this.customerId = customerId;
    }

    public UUID customerId() {
        return customerId;
    }
}
