/**
 * The saga's compensation: {@link io.outboxrelay.legacy.compensation.OrderCompensation} cancels,
 * in the legacy order system, the orders whose payment failed or was rejected (topic
 * {@code outbox.Payment}, docs/events.md).
 */
package io.outboxrelay.legacy.compensation;
