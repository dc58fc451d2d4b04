package io.outboxrelay.bench.orders;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outboxrelay.consumers.payment.CreditAccounts;
import io.outboxrelay.consumers.payment.PaymentCharger;
import io.outboxrelay.consumers.payment.PaymentProcessor;
import io.outboxrelay.consumers.payment.SimulatedGateway;
import io.outboxrelay.consumers.runtime.ConsumerSettings;
import io.outboxrelay.consumers.runtime.DataSources;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.consumers.runtime.GroupOffsets;
import io.outboxrelay.legacy.LegacyDatabase;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * The payment step's throughput (issue 14, point 5): {@code OrderPlaced} events already on a topic, turned by the
 * {@link PaymentProcessor} consumer into {@code PENDING} payments and by the {@link PaymentCharger} into completed
 * or failed ones through a {@link SimulatedGateway} of a given latency. Each run is self-contained on the given
 * PostgreSQL and Kafka: a fresh database and a fresh topic of 3 partitions, customers with credit enough never to
 * be rejected, 10% of the charges declined (as in {@code bench-orders}); both are dropped afterwards.
 *
 * <p>Timed from the start of the consumer and the charger until every payment is resolved (none
 * {@code PENDING}). Then it checks that the run was replay-safe: the consumer group is replayed from the
 * beginning, and no charge may be requested again; one outcome per order, one charge per key. A run that breaks
 * any of these throws {@link IllegalStateException} rather than report a figure.
 */
public final class PaymentBench {

    /** Customers the orders are spread over. */
    static final int CUSTOMERS = 200;
    /** Share of charges the simulated gateway declines. */
    static final double DECLINED = 0.1;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger RUNS = new AtomicInteger();

    private PaymentBench() {
    }

    /**
     * The figures of one run.
     *
     * @param pendingSeconds         from start until every event had its payment row (PENDING or already resolved)
     * @param resolvedSeconds        from start until no payment was PENDING
     * @param startupSeconds         from start until the first payment row (joining the group, first poll)
     * @param chargesRequested       gateway requests answered during the run: one per payment when nothing failed
     * @param repeatedKeys           requests about a key asked before (answered from the gateway's memory, not charged)
     * @param replayChargesRequested gateway requests caused by replaying the group from the beginning: must be 0
     * @param replaySeconds          how long the replay took to catch up
     */
    public record Result(int payments, Duration gatewayLatency, int gatewayConcurrency, double pendingSeconds,
                         double resolvedSeconds, double startupSeconds, long completed, long failed, long chargesRequested,
                         long repeatedKeys, long replayChargesRequested, double replaySeconds) {

        /** Events per second turned into PENDING payments (credit reserved), start-up included. */
        public long pendingPerSecond() {
            return Math.round(payments / pendingSeconds);
        }

        /** Payments per second charged and recorded (COMPLETED or FAILED), start-up included. */
        public long resolvedPerSecond() {
            return Math.round(payments / resolvedSeconds);
        }

        /** Payments per second resolved once the consumer had started (from its first payment row). */
        public long resolvedPerSecondAfterStartup() {
            return Math.round(payments / Math.max(1e-3, resolvedSeconds - startupSeconds));
        }

        /** The figures under keys starting with {@code prefix}, e.g. {@code payments_20ms_}, for a JSON report. */
        public Map<String, Object> figures(String prefix) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put(prefix + "payments", payments);
            out.put(prefix + "gateway_latency_ms", gatewayLatency.toMillis());
            out.put(prefix + "gateway_concurrency", gatewayConcurrency);
            out.put(prefix + "pending_per_s", pendingPerSecond());
            out.put(prefix + "resolved_per_s", resolvedPerSecond());
            out.put(prefix + "resolved_per_s_after_startup", resolvedPerSecondAfterStartup());
            out.put(prefix + "startup_s", round2(startupSeconds));
            out.put(prefix + "resolved_s", round2(resolvedSeconds));
            out.put(prefix + "completed", completed);
            out.put(prefix + "failed", failed);
            out.put(prefix + "charges_requested", chargesRequested);
            out.put(prefix + "repeated_keys", repeatedKeys);
            out.put(prefix + "replay_charges_requested", replayChargesRequested);
            return out;
        }

        /** One line for a human. */
        public String describe() {
            return String.format("payments %,d, gateway %d ms x %d in flight: %,d events/s into PENDING, %,d payments/s"
                            + " resolved (%.2f s, %.2f s of it start-up; %,d/s after it); %,d completed, %,d declined;"
                            + " %,d charges requested, %d repeated keys; replay of the group from the beginning:"
                            + " %d charges requested (%.2f s)",
                    payments, gatewayLatency.toMillis(), gatewayConcurrency, pendingPerSecond(), resolvedPerSecond(),
                    resolvedSeconds, startupSeconds, resolvedPerSecondAfterStartup(), completed, failed, chargesRequested, repeatedKeys,
                    replayChargesRequested, replaySeconds);
        }

        private static double round2(double seconds) {
            return Math.round(seconds * 100) / 100.0;
        }
    }

    /** One run with the charger's default settings. */
    public static Result run(PostgresInstance postgres, KafkaInstance kafka, int payments, Duration gatewayLatency,
                             PrintStream progress) throws Exception {
        return run(postgres, kafka, payments, gatewayLatency, PaymentCharger.Settings.defaults(), progress);
    }

    /**
     * One run.
     *
     * @param payments       OrderPlaced events, one payment each
     * @param gatewayLatency how long each gateway request takes
     * @param charger        the charger's settings (e.g. {@link PaymentCharger.Settings#withGatewayConcurrency})
     * @param progress       where the run says what it does; its result is not printed
     * @throws IllegalStateException when the run is not replay-safe or does not finish within its time limit
     */
    public static Result run(PostgresInstance postgres, KafkaInstance kafka, int payments, Duration gatewayLatency,
                             PaymentCharger.Settings charger, PrintStream progress) throws Exception {
        if (payments < 1) {
            throw new IllegalArgumentException("payments must be at least 1, was " + payments);
        }
        int run = RUNS.incrementAndGet();
        String id = "paybench_" + ProcessHandle.current().pid() + "_" + run;
        String topic = id + ".outbox.Order";
        String group = id + "-payments";
        postgres.createDatabase(id);
        Map<String, Object> adminProps = new HashMap<>(kafka.adminClientProperties());
        adminProps.put("bootstrap.servers", kafka.bootstrapServers());
        try (Admin admin = Admin.create(adminProps)) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
                return run(postgres, kafka, admin, id, topic, group, payments, gatewayLatency, charger, progress);
            } finally {
                admin.deleteTopics(List.of(topic));
                dropDatabase(postgres, id);
            }
        }
    }

    private static Result run(PostgresInstance postgres, KafkaInstance kafka, Admin admin, String database, String topic,
                              String group, int payments, Duration latency, PaymentCharger.Settings chargerSettings,
                              PrintStream progress) throws Exception {
        String url = postgres.jdbcUrl(database);
        try (HikariDataSource db = LegacyDatabase.pool(database, url, postgres.superuser(), postgres.superuserPassword(), 2);
             HikariDataSource consumerPool = DataSources.pooled(url, postgres.superuser(), postgres.superuserPassword(),
                     group);
             HikariDataSource chargerPool = DataSources.pooled(url, postgres.superuser(), postgres.superuserPassword(),
                     group + "-charger")) {
            PaymentProcessor.migrate(db);
            List<UUID> customers = customers(db);
            progress.printf("payment bench: %,d OrderPlaced onto %s (3 partitions), gateway %d ms%n", payments, topic,
                    latency.toMillis());
            OrderPlacedRecords.produce(kafka, topic, customers, payments);

            SimulatedGateway gateway = new SimulatedGateway(DECLINED, latency, 7);
            ConsumerSettings settings = ConsumerSettings.builder(kafka.bootstrapServers(), group, PaymentProcessor.SCHEMA)
                    .topics(List.of(topic)).build();
            long t0 = System.nanoTime();
            try (PaymentCharger charger = new PaymentCharger(chargerPool, gateway, chargerSettings).start();
                 EventConsumer consumer = new EventConsumer(settings, consumerPool,
                         new PaymentProcessor(Clock.systemUTC(), chargerSettings.settleAfter()),
                         new SimpleMeterRegistry()).start()) {
                Duration limit = Duration.ofSeconds(60).plus(latency.multipliedBy(payments));
                long[] marks = watch(db, payments, t0, limit, consumer, charger);
                long chargesRequested = gateway.requestCount();
                long[] outcomes = outcomes(db, payments, gateway);

                progress.printf("payment bench: resolved in %.2f s; replaying %s from the beginning%n",
                        (marks[2] - t0) / 1e9, group);
                consumer.close();
                long r0 = System.nanoTime();
                replay(admin, kafka, group, topic, settings, consumerPool, chargerSettings, limit);
                double replaySeconds = (System.nanoTime() - r0) / 1e9;
                // one more charger round at least, in case the replay had left it anything to ask
                Thread.sleep(Math.max(200, chargerSettings.idleWait().toMillis() * 4));
                long replayRequests = gateway.requestCount() - chargesRequested;
                if (replayRequests != 0 || count(db, "SELECT count(*) FROM payment.payment") != payments) {
                    throw new IllegalStateException("replaying " + group + " requested " + replayRequests
                            + " charges again (must be 0)");
                }
                outcomes(db, payments, gateway);
                return new Result(payments, latency, chargerSettings.gatewayConcurrency(), (marks[1] - t0) / 1e9,
                        (marks[2] - t0) / 1e9, (marks[0] - t0) / 1e9, outcomes[0], outcomes[1], chargesRequested,
                        chargesRequested - gateway.chargedKeys(), replayRequests, replaySeconds);
            }
        }
    }

    /** Customers with credit enough for every order, in the payments database only (no legacy database here). */
    private static List<UUID> customers(HikariDataSource db) throws SQLException {
        List<UUID> out = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            for (int i = 0; i < CUSTOMERS; i++) {
                UUID id = new UUID(0x5041_5942_454e_4348L, i);
                CreditAccounts.upsert(c, id, new BigDecimal("1000000000.00"));
                out.add(id);
            }
        }
        return out;
    }

    /**
     * Polls the payment table every 10 ms (one count, a fraction of a millisecond on these tables).
     *
     * @return when the first row appeared, when all {@code payments} rows were there, when none was PENDING
     */
    private static long[] watch(HikariDataSource db, int payments, long t0, Duration limit, EventConsumer consumer,
                                PaymentCharger charger) throws Exception {
        long[] marks = new long[3];
        long deadline = t0 + limit.toNanos();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*), count(*) FILTER (WHERE status = 'PENDING') FROM payment.payment")) {
            while (true) {
                long rows;
                long pending;
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    rows = rs.getLong(1);
                    pending = rs.getLong(2);
                }
                long now = System.nanoTime();
                if (marks[0] == 0 && rows > 0) {
                    marks[0] = now;
                }
                if (marks[1] == 0 && rows == payments) {
                    marks[1] = now;
                }
                if (rows == payments && pending == 0) {
                    marks[2] = now;
                    return marks;
                }
                failIfStopped(consumer.stopped(), "payment consumer");
                failIfStopped(charger.stopped(), "payment charger");
                if (now > deadline) {
                    throw new IllegalStateException("payment bench did not finish within " + limit + ": " + rows + " of "
                            + payments + " payments written, " + pending + " pending");
                }
                Thread.sleep(10);
            }
        }
    }

    /**
     * Checks one outcome per order and one charge per key.
     *
     * @return completed and failed payments
     */
    private static long[] outcomes(HikariDataSource db, int payments, SimulatedGateway gateway) throws SQLException {
        long completed = count(db, "SELECT count(*) FROM payment.payment WHERE status = 'COMPLETED'");
        long failed = count(db, "SELECT count(*) FROM payment.payment WHERE status = 'FAILED'");
        long twice = count(db, "SELECT count(*) FROM (SELECT aggregate_id FROM outbox.event WHERE event_type IN"
                + " ('PaymentCompleted', 'PaymentFailed') GROUP BY 1 HAVING count(*) > 1) t");
        long outcomeEvents = count(db, "SELECT count(*) FROM outbox.event WHERE event_type IN"
                + " ('PaymentCompleted', 'PaymentFailed')");
        if (completed + failed != payments || twice != 0 || outcomeEvents != payments || gateway.chargedKeys() != payments) {
            throw new IllegalStateException("payment bench: " + completed + " completed + " + failed + " failed of "
                    + payments + ", " + outcomeEvents + " outcome events, " + twice + " orders with two outcomes, "
                    + gateway.chargedKeys() + " keys charged");
        }
        return new long[] {completed, failed};
    }

    /** The same group from the beginning, with a new consumer, until it has caught up. */
    private static void replay(Admin admin, KafkaInstance kafka, String group, String topic, ConsumerSettings settings,
                               HikariDataSource consumerPool, PaymentCharger.Settings chargerSettings, Duration limit)
            throws Exception {
        Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
        for (int p = 0; p < 3; p++) {
            start.put(new TopicPartition(topic, p), new OffsetAndMetadata(0));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                admin.alterConsumerGroupOffsets(group, start).all().get();
                break;
            } catch (java.util.concurrent.ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw e; // the closed consumer never left the group
                }
                Thread.sleep(100); // the group is still leaving
            }
        }
        try (EventConsumer again = new EventConsumer(settings, consumerPool,
                new PaymentProcessor(Clock.systemUTC(), chargerSettings.settleAfter()), new SimpleMeterRegistry())
                .start()) {
            long end = System.nanoTime() + limit.toNanos();
            while (GroupOffsets.lag(admin, group, topic) > 0) {
                failIfStopped(again.stopped(), "replaying payment consumer");
                if (System.nanoTime() > end) {
                    throw new IllegalStateException("the replay of " + group + " did not catch up within " + limit);
                }
                Thread.sleep(20);
            }
        }
    }

    private static void failIfStopped(CompletableFuture<Void> stopped, String what) {
        if (stopped.isCompletedExceptionally()) {
            try {
                stopped.join();
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new IllegalStateException(what + " failed during the payment bench: " + cause.getMessage(), cause);
            }
        }
    }

    private static long count(HikariDataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void dropDatabase(PostgresInstance postgres, String database) {
        try (Connection c = java.sql.DriverManager.getConnection(postgres.jdbcUrl("postgres"), postgres.superuser(),
                postgres.superuserPassword()); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        } catch (SQLException e) {
            System.err.println("warning: could not drop the payment bench's database " + database + ": " + e.getMessage());
        }
    }
}
