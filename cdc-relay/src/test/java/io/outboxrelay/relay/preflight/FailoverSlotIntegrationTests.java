package io.outboxrelay.relay.preflight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.postgres.ReplicationSlot;
import io.outboxrelay.relay.testsupport.CapturedLogs;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;


/** {@code slot.failover} on PostgreSQL 17+: attach makes a failover slot, and pre-flight says when a standby could not follow. */
class FailoverSlotIntegrationTests {

    @TempDir
    Path dir;

    @Test
    void attachCreatesAFailoverSlotOnPostgres17UnlessSlotFailoverIsFalse() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        assumeTrue(major(fixture) >= 17, "failover slots need PostgreSQL 17");
        StringWriter out = new StringWriter();
        assertThat(fixture.attach(dir, Map.of(), out)).as(out.toString()).isZero();
        assertThat(out.toString()).contains("(pgoutput) as a failover slot").contains("sync_replication_slots=on")
                .contains("synchronized_standby_slots");
        assertThat(slot(fixture, Map.of()).failover()).isTrue();
        assertThat(slot(fixture, Map.of()).synced()).as("on the primary").isFalse();

        RelayFixture notFailover = SharedInfrastructure.newFixture();
        assertThat(notFailover.attach(dir, Map.of("slot.failover", "false"), new StringWriter())).isZero();
        assertThat(slot(notFailover, Map.of()).failover()).isFalse();
    }

    @Test
    void preflightWarnsWhenAStandbyStreamsButTheSlotIsNoFailoverSlotNorTheStandbySynchronized() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        assumeTrue(major(fixture) >= 17, "failover slots need PostgreSQL 17");
        assertThat(fixture.attach(dir, Map.of("slot.failover", "false"), new StringWriter())).isZero();
        String standbySlot = "standby_" + fixture.topicPrefix.replace('-', '_');
        try (Connection replication = physicalReplication(fixture);
             PGReplicationStream stream = streamFrom(replication, standbySlot, fixture);
             CapturedLogs logs = CapturedLogs.start()) {
            StartPosition position = Preflight.check(fixture.relayConfig());

            assertThat(position.debeziumOverrides()).containsEntry("slot.failover", "true");
            assertThat(logs.text()).contains("is not a failover slot, but physical standbys stream from")
                    .contains("[" + standbySlot + "]")
                    .contains("are not in synchronized_standby_slots")
                    .contains("ALTER SYSTEM SET synchronized_standby_slots = '" + standbySlot + "'");
            assertThat(stream.isClosed()).isFalse();
        }
        finally {
            // the WAL sender ends a moment after its connection closed
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).ignoreExceptions()
                    .until(() -> {
                        fixture.sql("SELECT pg_drop_replication_slot('" + standbySlot + "')");
                        return true;
                    });
        }
    }

    private static ReplicationSlot slot(RelayFixture fixture, Map<String, String> settings) throws Exception {
        try (Connection c = fixture.dataSource().getConnection()) {
            return ReplicationSlot.read(c, fixture.relayConfig(settings).get(RelayConfig.SLOT_NAME)).orElseThrow();
        }
    }

    private static int major(RelayFixture fixture) throws Exception {
        try (Connection c = fixture.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int / 10000")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** A physical replication connection, as a standby's WAL receiver opens one. */
    private static Connection physicalReplication(RelayFixture fixture) throws Exception {
        Properties props = new Properties();
        PGProperty.USER.set(props, fixture.postgres.superuser());
        PGProperty.PASSWORD.set(props, fixture.postgres.superuserPassword());
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.REPLICATION.set(props, "true");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        return DriverManager.getConnection(fixture.postgres.jdbcUrl(fixture.database), props);
    }

    private static PGReplicationStream streamFrom(Connection replication, String slot, RelayFixture fixture) throws Exception {
        PGConnection pg = replication.unwrap(PGConnection.class);
        pg.getReplicationAPI().createReplicationSlot().physical().withSlotName(slot).make();
        String lsn;
        try (Connection c = fixture.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            lsn = rs.getString(1);
        }
        return pg.getReplicationAPI().replicationStream().physical().withSlotName(slot)
                .withStartPosition(LogSequenceNumber.valueOf(lsn)).start();
    }
}
