package io.outboxrelay.consumers.payment;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Two gauges of the payments nobody has charged yet, read from {@code payment.payment}:
 * {@value #PENDING} (how many are {@code PENDING}) and {@value #OLDEST_AGE} (now minus the
 * {@code created_at} of the oldest, 0 when none). A charger that stopped or a gateway that is down
 * shows as the age growing: each such payment holds its customer's credit.
 *
 * <p>Polled every few seconds on one daemon thread, not queried at scrape time: a scrape never waits
 * for the database, and scrapers in a loop cannot load it. The query uses the charger's partial index
 * on pending payments and has a 2 s timeout; while the database does not answer both gauges are NaN
 * (a stale count would look healthy), and the failure is logged once until a poll succeeds again.
 */
public final class PendingPayments implements AutoCloseable {

    /** Payments recorded PENDING and not charged yet. */
    public static final String PENDING = "payments.pending";
    /** Age in seconds of the oldest PENDING payment; 0 when there is none. */
    public static final String OLDEST_AGE = "payments.pending.oldest.age.seconds";
    /** The default interval between two polls: fresh enough for a dashboard, one cheap query per interval. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(PendingPayments.class);
    private static final int QUERY_TIMEOUT_SECONDS = 2;
    private static final String QUERY = "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)), 0)"
            + " FROM " + PaymentProcessor.SCHEMA + ".payment WHERE status = 'PENDING'";

    private final DataSource payments;
    private final MeterRegistry registry;
    private final Meter pendingGauge;
    private final Meter ageGauge;
    private final ScheduledExecutorService poller;
    private volatile double pending = Double.NaN;
    private volatile double oldestAge = Double.NaN;
    private volatile boolean failing;

    private PendingPayments(DataSource payments, MeterRegistry registry, Duration interval) {
        this.payments = payments;
        this.registry = registry;
        pendingGauge = Gauge.builder(PENDING, this, p -> p.pending)
                .description("payments recorded PENDING and not charged yet (polled)")
                .strongReference(true).register(registry);
        ageGauge = Gauge.builder(OLDEST_AGE, this, p -> p.oldestAge)
                .description("age of the oldest PENDING payment, 0 when none (polled)")
                .strongReference(true).register(registry);
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "payments-pending-poll");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::poll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Registers the gauges and polls the payments database every {@code interval}, the first time now.
     *
     * @param payments the payments database (schema {@value PaymentProcessor#SCHEMA}); auto-commit on or off
     */
    public static PendingPayments start(DataSource payments, MeterRegistry registry, Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive: " + interval);
        }
        return new PendingPayments(payments, registry, interval);
    }

    private void poll() {
        try (Connection c = payments.getConnection(); PreparedStatement ps = c.prepareStatement(QUERY)) {
            ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                pending = rs.getLong(1);
                oldestAge = rs.getDouble(2);
            }
            if (!c.getAutoCommit()) {
                c.rollback(); // a read: nothing to keep, and the connection goes back without an open transaction
            }
            if (failing) {
                failing = false;
                LOG.info("Pending payments readable again: {} pending", (long) pending);
            }
        }
        catch (SQLException | RuntimeException e) {
            pending = Double.NaN;
            oldestAge = Double.NaN;
            if (!failing) {
                failing = true;
                LOG.warn("Cannot read pending payments (gauges {} and {} are NaN until it works again): {}", PENDING,
                        OLDEST_AGE, e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
        registry.remove(pendingGauge);
        registry.remove(ageGauge);
    }
}
