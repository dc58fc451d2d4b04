package io.outboxrelay.relay.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.testkit.DeliveryCheck;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.PostgresInstance;
import io.outboxrelay.testkit.PostgresStandby;


/**
 * Issue 17's failover on real servers: a PostgreSQL 17 primary and a streaming standby with slot synchronization, the
 * relay's failover slot (made by attach) kept in step on the standby, the primary killed ({@code pg_ctl stop -m
 * immediate}), the standby promoted, the relay started against it (as a supervisor would after a DNS switch; following
 * the new primary by itself is not built yet). The truth is the new primary's outbox: nothing of it may be missing from
 * Kafka, and Kafka may hold nothing the new primary does not have ({@code synchronized_standby_slots} holds the relay
 * back until the standby has what it is sent).
 */
class FailoverIntegrationTests {

    private static final String STANDBY_SLOT = "outbox_standby";

    @TempDir
    Path dir;

    @Test
    void theFailoverSlotFollowsToThePromotedStandbyAndNothingIsLostOrInventedAcrossTheFailover() throws Exception {
        PostgresInstance primary = Infrastructure.startPostgres();
        PostgresStandby standby = null;
        try {
            RelayFixture fixture = new RelayFixture(primary, SharedInfrastructure.kafka());
            String slot = fixture.relayConfig().get(RelayConfig.SLOT_NAME);
            StringWriter attached = new StringWriter();
            assertThat(fixture.attach(dir, Map.of(), attached)).as(attached.toString()).isZero();
            standby = PostgresStandby.start(primary, STANDBY_SLOT);
            fixture.sql("ALTER SYSTEM SET synchronized_standby_slots = '" + STANDBY_SLOT + "'");
            fixture.sql("SELECT pg_reload_conf()");

            SampleEventLoad.Plan plan = new SampleEventLoad.Plan(300, 2, 1, 10, 10, 20, 100);
            try (Relay relay = Relay.start(fixture.relayConfig())) {
                new SampleEventLoad(fixture.dataSource()).run(plan, n -> { });
                await().atMost(Duration.ofSeconds(60)).until(() -> relay.stats().relayed() >= 300);
                PGSimpleDataSource onStandby = dataSource(standby, fixture);
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> synced(onStandby, slot));
                // more events, and the primary killed before the relay has them all
                new SampleEventLoad(fixture.dataSource()).run(plan, n -> { });
                PostgresStandby.killPrimary(primary);
            }
            long promoted = System.nanoTime();
            standby.promote();
            PGSimpleDataSource newPrimary = dataSource(standby, fixture);
            RelayConfig onNewPrimary = fixture.relayConfig(Map.of("database.port", String.valueOf(standby.port())));
            try (Relay relay = Relay.start(onNewPrimary)) {
                // one event written on the new primary right away: the first relayed (it or the backlog) ends the outage
                new SampleEventLoad(newPrimary).run(new SampleEventLoad.Plan(1, 1, 1, 1, 0, 20, 100), n -> { });
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> relay.stats().relayed() > 0);
                long firstEvent = System.nanoTime();
                new SampleEventLoad(newPrimary).run(plan, n -> { });
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> check(newPrimary, fixture).lost.isEmpty());
                DeliveryCheck check = check(newPrimary, fixture);
                System.out.printf("failover: %d events on the new primary, %s; promotion to the relay's first event %d ms%n",
                        check.committed, check, TimeUnit.NANOSECONDS.toMillis(firstEvent - promoted));
                assertThat(check.lost).isEmpty();
                assertThat(check.unexpected).as("events in Kafka the new primary never had").isEmpty();
                assertThat(check.orderViolations).isEmpty();
            }
        }
        finally {
            if (standby != null) {
                standby.close();
            }
            primary.close();
        }
    }

    private static DeliveryCheck check(PGSimpleDataSource newPrimary, RelayFixture fixture) throws Exception {
        return DeliveryCheck.ofOutbox(newPrimary, fixture.kafka, java.util.List.of(fixture.topic("Order"), fixture.topic("Customer")),
                fixture.topicPrefix + ".dead-letter", IsolationLevel.READ_UNCOMMITTED);
    }

    private static PGSimpleDataSource dataSource(PostgresStandby standby, RelayFixture fixture) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(standby.jdbcUrl(fixture.database));
        ds.setUser(fixture.postgres.superuser());
        ds.setPassword(fixture.postgres.superuserPassword());
        return ds;
    }

    private static boolean synced(PGSimpleDataSource standby, String slot) throws Exception {
        try (Connection c = standby.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT synced AND NOT temporary FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
