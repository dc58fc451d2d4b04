/**
 * The order read model (CQRS projection): {@code order_view} and {@code customer_summary} in the
 * schema {@code read_model}, kept up to date from {@code OrderPlaced} and {@code OrderCancelled}
 * (docs/events.md) by {@link io.outboxrelay.consumers.projection.OrderReadModel} on the consumer
 * runtime.
 */
package io.outboxrelay.consumers.projection;
