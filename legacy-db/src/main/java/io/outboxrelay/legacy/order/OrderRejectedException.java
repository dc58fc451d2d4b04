package io.outboxrelay.legacy.order;

/**
 * The order system refused a request because of what was asked, not because the database failed
 * (that is an SQLException). Nothing was written: no order rows, no outbox event.
 */
public abstract class OrderRejectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    protected OrderRejectedException(String message) {
        super(message);
    }
}
