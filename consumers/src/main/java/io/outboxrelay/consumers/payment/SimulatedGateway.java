package io.outboxrelay.consumers.payment;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A gateway for tests and demos. Whether a charge is declined depends only on the seed and the
 * idempotency key, so the same key always gets the same answer, on every run. It keeps every key
 * it has seen: a repeated request is answered from memory and not charged again, and
 * {@link #chargeCount(String)} tells tests how often a key was really charged (at most once), and
 * {@link #refundCount(String)} the same for refunds. {@link #setAvailable(boolean) setAvailable(false)}
 * simulates an outage: every request fails with {@link UnavailableException} and moves nothing.
 */
public final class SimulatedGateway implements PaymentGateway {

    /** One charge as the "bank" saw it. */
    private record Charge(UUID orderId, UUID customerId, BigDecimal amount, ChargeResult result) {
    }

    private final double failureRate;
    private final Duration latency;
    private final long seed;
    private final Map<String, Charge> charges = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private final Map<String, Refund> refunds = new ConcurrentHashMap<>();
    private final AtomicLong refundRequests = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean available = true;

    /** One refund as the "bank" saw it. */
    private record Refund(String chargeKey, BigDecimal amount) {
    }

    /**
     * @param failureRate share of keys declined, from 0.0 (none) to 1.0 (all)
     * @param latency     how long every request takes, repeated ones too
     * @param seed        which keys are declined
     */
    public SimulatedGateway(double failureRate, Duration latency, long seed) {
        if (!(failureRate >= 0.0 && failureRate <= 1.0)) {
            throw new IllegalArgumentException("failureRate must be between 0.0 and 1.0, was " + failureRate);
        }
        if (latency == null || latency.isNegative()) {
            throw new IllegalArgumentException("latency must be zero or positive, was " + latency);
        }
        this.failureRate = failureRate;
        this.latency = latency;
        this.seed = seed;
    }

    @Override
    public ChargeResult charge(String idempotencyKey, UUID orderId, UUID customerId, BigDecimal amount) {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        pause();
        refuseWhenUnavailable();
        requests.incrementAndGet();
        // computeIfAbsent runs the charge at most once per key, also when two requests race
        Charge charge = charges.computeIfAbsent(idempotencyKey,
                key -> new Charge(orderId, customerId, amount, decide(key)));
        if (!charge.orderId().equals(orderId) || !charge.customerId().equals(customerId)
                || charge.amount().compareTo(amount) != 0) {
            // what real gateways answer when a key is reused for a different request
            throw new IllegalArgumentException("idempotency key " + idempotencyKey + " was used for order "
                    + charge.orderId() + " amount " + charge.amount() + ", now for order " + orderId + " amount " + amount);
        }
        return charge.result();
    }

    @Override
    public void refund(String idempotencyKey, String chargeKey, BigDecimal amount) {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        pause();
        refuseWhenUnavailable();
        refundRequests.incrementAndGet();
        Charge charge = charges.get(chargeKey);
        if (charge == null || !charge.result().approved() || charge.amount().compareTo(amount) != 0) {
            throw new IllegalArgumentException("refund " + idempotencyKey + " of " + amount + ": charge " + chargeKey
                    + " was not approved for that amount");
        }
        Refund refund = refunds.computeIfAbsent(idempotencyKey, key -> new Refund(chargeKey, amount));
        if (!refund.chargeKey().equals(chargeKey)) {
            throw new IllegalArgumentException("idempotency key " + idempotencyKey + " was used to refund " + refund.chargeKey()
                    + ", now " + chargeKey);
        }
    }

    /** {@code false} simulates an outage until set back to {@code true}. */
    public void setAvailable(boolean available) {
        this.available = available;
    }

    /** Times {@code idempotencyKey} was refunded: 0 or 1. */
    public int refundCount(String idempotencyKey) {
        return refunds.containsKey(idempotencyKey) ? 1 : 0;
    }

    /** Every answered call to {@link #refund}, repeated ones included. */
    public long refundRequestCount() {
        return refundRequests.get();
    }

    /** Requests refused during an outage (they charged or refunded nothing). */
    public long refusedCount() {
        return refused.get();
    }

    /** Times {@code idempotencyKey} was charged (approved or declined): 0 or 1. */
    public int chargeCount(String idempotencyKey) {
        return charges.containsKey(idempotencyKey) ? 1 : 0;
    }

    /** Distinct keys charged. */
    public int chargedKeys() {
        return charges.size();
    }

    /** Every answered call to {@link #charge}, repeated ones included (not those refused during an outage). */
    public long requestCount() {
        return requests.get();
    }

    private ChargeResult decide(String key) {
        long hash = seed;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            hash = 31 * hash + b;
        }
        double draw = new SplittableRandom(hash).nextDouble();
        return draw < failureRate ? ChargeResult.declined("card declined (simulated)") : ChargeResult.approvedCharge();
    }

    private void refuseWhenUnavailable() {
        if (!available) {
            refused.incrementAndGet();
            throw new UnavailableException("simulated gateway outage");
        }
    }

    private void pause() {
        if (latency.isZero()) {
            return;
        }
        try {
            Thread.sleep(latency.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while charging", e);
        }
    }
}
