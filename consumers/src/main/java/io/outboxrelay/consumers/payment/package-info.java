/**
 * The payment step of the order saga: {@link io.outboxrelay.consumers.payment.PaymentProcessor}
 * reserves credit and charges each placed order once through a
 * {@link io.outboxrelay.consumers.payment.PaymentGateway}, recording the outcome in schema
 * {@code payment} and publishing {@code PaymentCompleted}, {@code PaymentFailed} or
 * {@code CreditRejected} through the payments database's own outbox (docs/events.md).
 */
package io.outboxrelay.consumers.payment;
