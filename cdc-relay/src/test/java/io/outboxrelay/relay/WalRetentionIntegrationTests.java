package io.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * An idle outbox in a cluster whose other databases write: with heartbeats the relay's slot keeps
 * only a bounded amount of WAL; without them it keeps everything written since it last confirmed.
 *
 * <p>Both relays run at once against the same stream of WAL (two idle outbox databases, one writer
 * database), so they are measured under identical conditions. PostgreSQL runs with a small
 * {@code max_wal_size}: checkpoints come every few MB and each logs the running transactions, which is
 * when a logical slot's {@code restart_lsn} can move (besides the bgwriter's every 15 s); so the
 * retained WAL follows the confirmed position closely and is observable within seconds.
 *
 * <p>{@code -Dwal.bound.seconds=180} runs longer (default 20: the test also waits until twice the
 * bound was written, about 24 s); {@code -Dwal.bound.heartbeat.ms=10000} beats at the relay's default interval (the
 * test's default is 500).
 */
class WalRetentionIntegrationTests {

    /** Shorter than the default (10 s) so that one minute shows many beats; the bound scales with it. */
    static final int HEARTBEAT_MS = Integer.getInteger("wal.bound.heartbeat.ms", 500);
    /**
     * The bound, in seconds of the writer's WAL: PostgreSQL moves restart_lsn at most every other beat (a slot
     * has one candidate position at a time, and Debezium confirms the previous beat's position), so up to
     * about four beats' worth is held, plus up to one checkpoint spacing. Measured: 1 s beats held at most
     * ~9 s of WAL (40 MB at 4.5 MB/s, while starting; ~5 s later on), 10 s beats ~38 s (171 MB in 180 s).
     */
    static final double BOUND_SECONDS = 4 * HEARTBEAT_MS / 1000.0 + 10;
    /** The writer's pace: ~4.5 MB/s of WAL, well inside what this machine sustains while the relays run. */
    static final int ROWS_PER_STATEMENT = 1_000;
    static final int STATEMENTS_PER_SECOND = 4;

    static PostgresInstance postgres;

    @BeforeAll
    static void start() {
        postgres = Infrastructure.startPostgres(Map.of("checkpoint_timeout", "30s", "max_wal_size", "32MB",
                "min_wal_size", "32MB", "wal_keep_size", "0"));
    }

    @AfterAll
    static void stop() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void heartbeatsBoundTheWalAnIdleOutboxHoldsBackWhileAnotherDatabaseWrites() throws Exception {
        long seconds = Long.getLong("wal.bound.seconds", 20);
        RelayFixture beating = new RelayFixture(postgres, SharedInfrastructure.kafka());
        RelayFixture silent = new RelayFixture(postgres, SharedInfrastructure.kafka());
        RelayConfig withHeartbeats = beating.relayConfig(Map.of("heartbeat.interval.ms", String.valueOf(HEARTBEAT_MS)));
        RelayConfig without = silent.relayConfig(Map.of("heartbeat.interval.ms", "0"));
        postgres.createDatabase("busy");

        List<long[]> series = new ArrayList<>(); // seconds, WAL written, retained with, retained without
        long bound;
        try (Relay a = Relay.start(withHeartbeats); Relay b = Relay.start(without);
             Connection probe = connect(postgres.jdbcUrl("postgres"))) {
            String startLsn = scalar(probe, "SELECT pg_current_wal_lsn()::text");
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong statements = new AtomicLong();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(writing, statements));
            long started = System.nanoTime();
            try {
                while (true) {
                    Thread.sleep(2_000);
                    long elapsed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
                    long written = walSince(probe, startLsn);
                    series.add(new long[] {elapsed, written, retained(probe, withHeartbeats), retained(probe, without)});
                    bound = boundBytes(written, statements.get());
                    // run the stated time, and long enough for the WAL written to dwarf the bound on a slow day
                    boolean enough = elapsed >= seconds && written >= 2 * bound;
                    if (enough || elapsed >= 5 * seconds || writer.isDone()) {
                        break;
                    }
                }
            }
            finally {
                writing.set(false);
            }
            writer.get();
            bound = boundBytes(series.get(series.size() - 1)[1], statements.get());
            assertThat(a.state()).isEqualTo(Relay.State.RUNNING);
            assertThat(a.stats().relayed() + a.stats().deadLettered()).as("heartbeat rows are never sent").isZero();
            assertThat(b.state()).isEqualTo(Relay.State.RUNNING);
        }

        long maxWith = series.stream().mapToLong(s -> s[2]).max().orElseThrow();
        long[] last = series.get(series.size() - 1);
        System.out.printf("WAL retention, heartbeat.interval.ms=%d vs 0, %d s, %d MB written in another database%n",
                HEARTBEAT_MS, last[0], last[1] >> 20);
        System.out.println("  s  written_MB  retained_MB_with  retained_MB_without");
        series.forEach(s -> System.out.printf("%3d  %10d  %16d  %19d%n", s[0], s[1] >> 20, s[2] >> 20, s[3] >> 20));
        System.out.printf("max retained with heartbeats %d MB, without %d MB at the end; bound %d MB (%.0f s at %.1f MB/s)%n",
                maxWith >> 20, last[3] >> 20, bound >> 20, BOUND_SECONDS, bound / BOUND_SECONDS / (1 << 20));

        assertThat(last[1]).as("WAL written by the other database").isGreaterThanOrEqualTo(2 * bound);
        assertThat(maxWith).as("WAL held back by the slot of the relay with heartbeats").isLessThan(bound);
        assertThat(last[3]).as("WAL held back by the slot of the relay without heartbeats").isGreaterThan(bound)
                .isGreaterThan(last[1] * 9 / 10);
    }

    /** The bound in bytes: {@link #BOUND_SECONDS} of WAL at the writer's pace (which it never exceeds). */
    private static long boundBytes(long written, long statements) {
        double walPerStatement = written / (double) Math.max(1, statements);
        return (long) (BOUND_SECONDS * STATEMENTS_PER_SECOND * walPerStatement);
    }

    /** Writes ~1 kB rows in another database at a steady pace until told to stop, counting statements. */
    private static void write(AtomicBoolean writing, AtomicLong statements) {
        try (Connection c = connect(postgres.jdbcUrl("busy")); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE filler (id bigserial PRIMARY KEY, pad text NOT NULL)");
            long next = System.nanoTime();
            while (writing.get()) {
                st.execute("INSERT INTO filler (pad) SELECT repeat(md5(random()::text), 32) FROM generate_series(1, "
                        + ROWS_PER_STATEMENT + ")");
                if (statements.incrementAndGet() % 50 == 0) {
                    st.execute("TRUNCATE filler"); // the table need not grow with the WAL
                }
                // never faster than the pace, also after a stall: the bound assumes it
                next = Math.max(next, System.nanoTime() - TimeUnit.SECONDS.toNanos(1) / STATEMENTS_PER_SECOND)
                        + TimeUnit.SECONDS.toNanos(1) / STATEMENTS_PER_SECOND;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        }
        catch (SQLException e) {
            throw new IllegalStateException("writer failed", e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static long retained(Connection probe, RelayConfig config) throws SQLException {
        try (PreparedStatement ps = probe.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
                + " FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, config.get(RelayConfig.SLOT_NAME));
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("slot " + config.get(RelayConfig.SLOT_NAME) + " exists").isTrue();
                return rs.getLong(1);
            }
        }
    }

    private static long walSince(Connection probe, String lsn) throws SQLException {
        return Long.parseLong(scalar(probe, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '" + lsn + "')::bigint"));
    }

    private static String scalar(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Connection connect(String url) throws SQLException {
        return DriverManager.getConnection(url, postgres.superuser(), postgres.superuserPassword());
    }
}
