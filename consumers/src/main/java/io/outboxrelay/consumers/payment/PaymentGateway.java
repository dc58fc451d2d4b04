package io.outboxrelay.consumers.payment;

import java.math.BigDecimal;
import java.util.UUID;

/**
 * The card or bank gateway that moves the money. Implementations must honour the idempotency key
 * the way real gateways do (Stripe's {@code Idempotency-Key}, Adyen's {@code idempotency-key}): a
 * request repeated with the same key is not charged again and gets the first request's answer.
 * That is what makes it safe for {@link PaymentCharger} to ask again about a payment left
 * {@code PENDING} by a crash or an outage.
 */
public interface PaymentGateway {

    /** The gateway's answer. */
    record ChargeResult(boolean approved, String reason) {

        public static ChargeResult approvedCharge() {
            return new ChargeResult(true, null);
        }

        /** @param reason why the gateway declined, for the payment row and the PaymentFailed event */
        public static ChargeResult declined(String reason) {
            if (reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("a declined charge needs a reason");
            }
            return new ChargeResult(false, reason);
        }
    }

    /**
     * Charges {@code amount} to the customer, at most once per {@code idempotencyKey}.
     *
     * @return approved or declined (a declined charge moved no money)
     * @throws RuntimeException when the gateway cannot be reached or does not answer: the outcome is
     *                          unknown, so the caller must not record one; calling again with the
     *                          same key finds out
     */
    ChargeResult charge(String idempotencyKey, UUID orderId, UUID customerId, BigDecimal amount);

    /**
     * Gives back a completed charge, at most once per {@code idempotencyKey} (a repeated refund request
     * is answered as done and moves no money again).
     *
     * @param chargeKey the idempotency key of the charge to give back
     * @throws IllegalArgumentException when {@code chargeKey} was not charged and approved, or the key was
     *                                  used for another refund
     * @throws RuntimeException         when the gateway cannot be reached: call again with the same key
     */
    void refund(String idempotencyKey, String chargeKey, BigDecimal amount);

    /** The gateway could not be reached or did not answer: the outcome is unknown, ask again with the same key. */
    final class UnavailableException extends RuntimeException {
        public UnavailableException(String message) {
            super(message);
        }
    }
}
