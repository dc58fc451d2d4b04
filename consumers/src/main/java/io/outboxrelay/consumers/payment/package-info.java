/**
 * The payment step of the order saga: {@link io.outboxrelay.consumers.payment.PaymentProcessor}, a
 * consumer, reserves credit and records each placed order once as {@code PENDING} (or
 * {@code REJECTED}); {@link io.outboxrelay.consumers.payment.PaymentCharger}, beside it, charges pending
 * payments through a {@link io.outboxrelay.consumers.payment.PaymentGateway} outside any transaction,
 * settles completed ones and refunds those of cancelled orders. Outcomes are kept in schema
 * {@code payment} and published as {@code PaymentCompleted}, {@code PaymentFailed},
 * {@code CreditRejected}, {@code PaymentSettled} and {@code PaymentRefunded} through the payments
 * database's own outbox (docs/events.md).
 */
package io.outboxrelay.consumers.payment;
