package io.outboxrelay.consumers.payment;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.consumers.payment.PaymentGateway.ChargeResult;
import io.outboxrelay.consumers.payment.Payments.Due;
import io.outboxrelay.consumers.runtime.SqlErrors;
import io.outboxrelay.sql.OutboxWriter;

/**
 * The half of the payment step that talks to the gateway, on its own thread and connections, beside the
 * {@link PaymentProcessor} consumer. Each round it:
 * <ol>
 * <li>charges {@code PENDING} payments, oldest first, a batch at a time: it leases them in a short committed
 *     transaction ({@code FOR UPDATE SKIP LOCKED}, so several chargers share the work), asks the gateway
 *     with each payment's idempotency key outside any transaction, then records the answers
 *     ({@code COMPLETED}, or {@code FAILED} releasing the reservation) with their events in one transaction.
 *     When the gateway cannot be reached the payment stays pending and is asked again after a backoff that
 *     doubles per attempt; the consumer goes on consuming;</li>
 * <li>refunds completed payments whose order was cancelled (gateway first, then {@code refunded_at}, the
 *     credit released unless settled, and {@code PaymentRefunded}, in one transaction);</li>
 * <li>settles completed payments resolved {@link Settings#settleAfter()} ago or more: the simulated customer
 *     paid, so the reservation is released, with {@code PaymentSettled}, in one transaction (the consumer
 *     also settles, in the orders' time: see {@link PaymentProcessor}).</li>
 * </ol>
 * Its transactions never wait for a lock the consumer may hold (rows it cannot lock are left for the next
 * round), so they cannot deadlock with the consumer's batches nor wait for them.
 *
 * <p>Its first round after {@link #start()} also takes payments another charger had leased: those left
 * pending by a crash. Asking the gateway again is safe because it answers a repeated key with its first
 * answer; recording is conditional on the row still being pending, so two chargers never record twice.
 *
 * <p><b>Database errors</b> are classified by {@link SqlErrors}, as the consumers' are: a transient one (lost
 * connection, serialization failure, deadlock, server restarting) fails the round, which is tried again after
 * a backoff that doubles up to {@link Settings#maxBackoff()}; any other (missing table or column, permission
 * denied, a constraint the charger's own writes break) would fail every round the same way, so the charger
 * stops and {@link #stopped()} completes with a {@link PaymentChargerFailedException} that says what to fix.
 */
public final class PaymentCharger implements AutoCloseable {

    /**
     * @param batchSize      payments taken per query
     * @param idleWait       pause when a round found nothing to do
     * @param lease          how long a taken payment is left to the charger that took it
     * @param initialBackoff wait before asking again about a payment the gateway could not be asked about
     * @param maxBackoff     the longest such wait
     * @param settleAfter    how long after completion the customer pays (the credit is released)
     * @param gatewayConcurrency gateway requests in flight at once, each about another payment of the batch
     *                       just leased (1: one at a time, on the charger's thread). The round still waits for
     *                       every answer before recording them, so this divides a round's time by up to this
     *                       much when the gateway's latency dominates. Default
     *                       {@value #DEFAULT_GATEWAY_CONCURRENCY}: with a 20 ms gateway, 2,000 payments resolved at
     *                       44/s with 1, 244/s with 8, 340/s with 16, 480/s with 32 (PaymentBench, 2 shared cores,
     *                       2026-12-04); beyond that the round's database work dominates. Real gateways limit
     *                       requests per second per account: keep it under that limit
     */
    public record Settings(int batchSize, Duration idleWait, Duration lease, Duration initialBackoff, Duration maxBackoff,
                           Duration settleAfter, int gatewayConcurrency) {

        public static final int DEFAULT_GATEWAY_CONCURRENCY = 16;

        public Settings {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
            }
            if (gatewayConcurrency < 1) {
                throw new IllegalArgumentException("gatewayConcurrency must be at least 1, was " + gatewayConcurrency);
            }
            for (Duration d : List.of(idleWait, lease, initialBackoff, maxBackoff, settleAfter)) {
                if (d == null || d.isNegative()) {
                    throw new IllegalArgumentException("charger durations must be zero or positive: " + this);
                }
            }
        }

        /** With the default gateway concurrency. */
        public Settings(int batchSize, Duration idleWait, Duration lease, Duration initialBackoff, Duration maxBackoff,
                        Duration settleAfter) {
            this(batchSize, idleWait, lease, initialBackoff, maxBackoff, settleAfter, DEFAULT_GATEWAY_CONCURRENCY);
        }

        /** Small batches, a 2 s settlement (the demo's customers pay quickly). */
        public static Settings defaults() {
            return new Settings(200, Duration.ofMillis(50), Duration.ofSeconds(30), Duration.ofMillis(200),
                    Duration.ofSeconds(5), Duration.ofSeconds(2), DEFAULT_GATEWAY_CONCURRENCY);
        }

        public Settings withSettleAfter(Duration settleAfter) {
            return new Settings(batchSize, idleWait, lease, initialBackoff, maxBackoff, settleAfter, gatewayConcurrency);
        }

        public Settings withBackoff(Duration initial, Duration max) {
            return new Settings(batchSize, idleWait, lease, initial, max, settleAfter, gatewayConcurrency);
        }

        /** How long a leased payment is left to this charger; short in tests that make rounds fail. */
        public Settings withLease(Duration lease) {
            return new Settings(batchSize, idleWait, lease, initialBackoff, maxBackoff, settleAfter, gatewayConcurrency);
        }

        public Settings withGatewayConcurrency(int gatewayConcurrency) {
            return new Settings(batchSize, idleWait, lease, initialBackoff, maxBackoff, settleAfter, gatewayConcurrency);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(PaymentCharger.class);

    private final DataSource pool;
    private final PaymentGateway gateway;
    private final Settings settings;
    private final Clock clock;
    private final OutboxWriter outbox = new OutboxWriter();
    private final ChargeRecorder recorder = new ChargeRecorder(outbox);
    private final GatewayRequests requests;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile boolean running;
    private Thread thread;

    /**
     * @param pool  the payments database; connections with auto-commit off ({@code DataSources.pooled}), not
     *              shared with the consumer so that a slow gateway never holds the consumer's connection
     * @param clock timestamps of the rows and events, and when a payment is due to settle
     */
    public PaymentCharger(DataSource pool, PaymentGateway gateway, Settings settings, Clock clock) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.gateway = Objects.requireNonNull(gateway, "gateway");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.requests = new GatewayRequests(gateway, settings.gatewayConcurrency());
    }

    public PaymentCharger(DataSource pool, PaymentGateway gateway, Settings settings) {
        this(pool, gateway, settings, Clock.systemUTC());
    }

    /** Starts the charger's thread; its first round recovers payments left pending. */
    public synchronized PaymentCharger start() {
        if (thread != null) {
            throw new IllegalStateException("payment charger already started");
        }
        if (stopped.isDone()) {
            throw new IllegalStateException("payment charger already stopped");
        }
        running = true;
        requests.start();
        thread = new Thread(this::loop, "payment-charger");
        thread.setDaemon(true);
        thread.start();
        LOG.info("Payment charger started ({})", settings);
        return this;
    }

    /**
     * Stops after the current gateway calls; what it had not recorded stays pending for the next start.
     * {@link #stopped()} completes normally, unless the charger had already failed.
     */
    @Override
    public synchronized void close() {
        if (thread == null) {
            stopped.complete(null);
            return;
        }
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        requests.close();
        thread = null;
        LOG.info("Payment charger stopped");
    }

    /**
     * Completes when the charger's thread has ended: normally after {@link #close()}, exceptionally with a
     * {@link PaymentChargerFailedException} when a permanent database error stopped it (payments stay
     * {@code PENDING} meanwhile, so whoever runs the charger should stop or alert).
     */
    public CompletableFuture<Void> stopped() {
        return stopped.copy();
    }

    private void loop() {
        PaymentChargerFailedException failure = null;
        try {
            failure = rounds();
        } finally {
            running = false;
            if (failure == null) {
                stopped.complete(null);
            } else {
                LOG.error("Payment charger failed: {}", failure.getMessage(), failure);
                stopped.completeExceptionally(failure);
            }
        }
    }

    /** Rounds until closed; returns the permanent error that stopped it, if one did. */
    private PaymentChargerFailedException rounds() {
        boolean recovering = true;
        Duration errorWait = settings.initialBackoff();
        while (running) {
            try {
                int done = round(recovering);
                recovering = false;
                errorWait = settings.initialBackoff();
                if (done == 0) {
                    Thread.sleep(settings.idleWait().toMillis());
                }
            } catch (InterruptedException e) {
                return null;
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return null;
                }
                if (e instanceof SQLException sql && SqlErrors.classify(sql) != SqlErrors.Kind.TRANSIENT) {
                    return PaymentChargerFailedException.of(sql);
                }
                // the database is unreachable, a deadlock, a gateway refusing a refund, ...: nothing was
                // recorded half (each outcome commits with its event or not at all), so try again
                LOG.warn("Payment charger round failed, retrying in {} ms: {}", errorWait.toMillis(), e.toString());
                try {
                    Thread.sleep(errorWait.toMillis());
                } catch (InterruptedException ie) {
                    return null;
                }
                errorWait = min(errorWait.multipliedBy(2), settings.maxBackoff());
            }
        }
        return null;
    }

    /**
     * One round: charges, refunds and settlements.
     *
     * @param recovering take also payments leased by another charger (the first round after a start)
     * @return payments whose state changed or that were asked about
     */
    int round(boolean recovering) throws SQLException, InterruptedException {
        return charge(recovering) + refund() + settle();
    }

    private int charge(boolean recovering) throws SQLException, InterruptedException {
        List<Due> pending = inTransaction(c -> Payments.claimPending(c, settings.batchSize(), settings.lease(), recovering));
        Map<Due, ChargeResult> answers = recorder.takeUnrecorded();
        Map<Due, RuntimeException> unanswered = new LinkedHashMap<>();
        answers.putAll(requests.ask(pending, unanswered, () -> !running && Thread.currentThread() == thread));
        for (Map.Entry<Due, RuntimeException> u : unanswered.entrySet()) {
            Due p = u.getKey();
            Duration backoff = inTransaction(c -> {
                Duration b = backoff(Payments.attempts(c, p.orderId()));
                Payments.backOff(c, p.orderId(), b);
                return b;
            });
            LOG.warn("Gateway did not answer for payment {} (order {}); it stays PENDING, asked again in {} ms: {}",
                    p.idempotencyKey(), p.orderId(), backoff.toMillis(), u.getValue().toString());
        }
        if (!answers.isEmpty()) {
            inTransaction(c -> {
                recorder.record(c, answers, now());
                return null;
            });
        }
        return pending.size() + answers.size() - recorder.unrecorded();
    }

    private int refund() throws SQLException {
        List<Due> due = inTransaction(c -> Payments.refundsDue(c, settings.batchSize()));
        for (Due p : due) {
            String refundKey = PaymentProcessor.refundKey(p.orderId());
            try {
                gateway.refund(refundKey, p.idempotencyKey(), p.amount());
            } catch (PaymentGateway.UnavailableException e) {
                LOG.warn("Gateway did not answer the refund of payment {}; asked again next round: {}", p.idempotencyKey(),
                        e.toString());
                return due.size();
            }
            inTransaction(c -> {
                Instant now = now();
                Optional<Boolean> settledBefore = Payments.refunded(c, p.orderId(), now);
                if (settledBefore.isPresent()) {
                    if (!settledBefore.get()) {
                        if (CreditAccounts.tryLockAll(c, Set.of(p.customerId())).isEmpty()) {
                            c.rollback(); // the consumer holds the account: next round (the gateway repeats the answer)
                            return null;
                        }
                        CreditAccounts.releaseAll(c, Map.of(p.customerId(), p.amount()));
                    }
                    outbox.write(c, List.of(PaymentEvents.refunded(p.order(), p.idempotencyKey(), refundKey,
                            settledBefore.get(), now)));
                }
                return null;
            });
        }
        return due.size();
    }

    /** One transaction per batch; it never waits for a lock (see {@link Payments#settle}). */
    private int settle() throws SQLException {
        return inTransaction(c -> {
            Instant now = now();
            List<Due> settled = Payments.settle(c, now.minus(settings.settleAfter()), settings.batchSize(), now);
            CreditAccounts.releaseAll(c, settled.stream().collect(Collectors.toMap(Due::customerId, Due::amount,
                    BigDecimal::add, LinkedHashMap::new)));
            outbox.write(c, settled.stream().map(p -> PaymentEvents.settled(p.order(), p.idempotencyKey(), now)).toList());
            return settled.size();
        });
    }

    private Duration backoff(int attempts) {
        Duration b = settings.initialBackoff();
        for (int i = 1; i < attempts && b.compareTo(settings.maxBackoff()) < 0; i++) {
            b = b.multipliedBy(2);
        }
        return min(b, settings.maxBackoff());
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @FunctionalInterface
    private interface Work<T> {
        T apply(Connection c) throws SQLException;
    }

    private <T> T inTransaction(Work<T> work) throws SQLException {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollbackFailed) {
                    // a lost connection fails the rollback too: the error to classify is the first one
                    e.addSuppressed(rollbackFailed);
                }
                throw e;
            }
        }
    }
}
