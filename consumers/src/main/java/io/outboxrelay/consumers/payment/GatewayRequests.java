package io.outboxrelay.consumers.payment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import io.outboxrelay.consumers.payment.PaymentGateway.ChargeResult;
import io.outboxrelay.consumers.payment.Payments.Due;

/**
 * The {@link PaymentCharger}'s charge requests to the gateway, up to {@link PaymentCharger.Settings#gatewayConcurrency()}
 * in flight at once, each on a thread of its own; one at a time, on the charger's thread, when that is 1 or before
 * {@link #start()}.
 */
final class GatewayRequests {

    private final PaymentGateway gateway;
    private final int concurrency;
    /** Asks the gateway about several payments at once; null when the concurrency is 1 or when not started. */
    private ExecutorService pool;

    GatewayRequests(PaymentGateway gateway, int concurrency) {
        this.gateway = gateway;
        this.concurrency = concurrency;
    }

    /** Starts the request threads, if more than one request may be in flight. */
    void start() {
        if (concurrency > 1) {
            AtomicInteger n = new AtomicInteger();
            pool = Executors.newFixedThreadPool(concurrency, r -> {
                Thread t = new Thread(r, "payment-charger-gateway-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
    }

    /** Interrupts the requests in flight and ends their threads. */
    void close() {
        if (pool != null) {
            pool.shutdownNow();
            pool = null;
        }
    }

    /**
     * Asks the gateway about each payment, {@link PaymentCharger.Settings#gatewayConcurrency()} at a time, each with its
     * own idempotency key: a payment is asked once per round, so concurrency adds no repeated request.
     *
     * @param unanswered receives the payments the gateway did not answer, with the error
     * @param stopping   whether the charger is stopping: asked before each request made one at a time
     * @return the answers, in the order of {@code pending}; when stopping, payments not asked yet are left out
     *         (they stay pending)
     */
    Map<Due, ChargeResult> ask(List<Due> pending, Map<Due, RuntimeException> unanswered, BooleanSupplier stopping)
            throws InterruptedException {
        Map<Due, ChargeResult> answers = new LinkedHashMap<>();
        ExecutorService pool = this.pool;
        if (pool == null || pending.size() < 2) {
            for (Due p : pending) {
                if (stopping.getAsBoolean()) {
                    break; // stopping: the rest stays pending
                }
                try {
                    answers.put(p, chargeAt(p));
                } catch (RuntimeException e) {
                    unanswered.put(p, e);
                }
            }
            return answers;
        }
        List<Future<ChargeResult>> requests = new ArrayList<>(pending.size());
        for (Due p : pending) {
            requests.add(pool.submit(() -> chargeAt(p)));
        }
        try {
            for (int i = 0; i < pending.size(); i++) {
                try {
                    answers.put(pending.get(i), requests.get(i).get());
                } catch (ExecutionException e) {
                    unanswered.put(pending.get(i), e.getCause() instanceof RuntimeException r ? r
                            : new IllegalStateException("gateway request failed: " + e.getCause(), e.getCause()));
                }
            }
        } catch (InterruptedException e) {
            requests.forEach(r -> r.cancel(true)); // stopping: what was not answered stays pending
            throw e;
        }
        return answers;
    }

    private ChargeResult chargeAt(Due p) {
        return gateway.charge(p.idempotencyKey(), p.orderId(), p.customerId(), p.amount());
    }
}
