package io.outboxrelay.legacy.order;

/** The values legacy.orders.status may hold. */
public enum OrderStatus {
    PLACED,
    CANCELLED
}
