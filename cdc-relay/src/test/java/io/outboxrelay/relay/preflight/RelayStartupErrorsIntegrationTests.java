package io.outboxrelay.relay.preflight;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.relay.testsupport.StartupOutcome;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.PostgresInstance;

/** Each start-up problem, provoked for real, gives one actionable line and a non-zero exit. */
public class RelayStartupErrorsIntegrationTests {

    public static final String WRONG_PASSWORD = "Wr0ng-S3cret";
    public static final String HEARTBEAT_ROLE_PASSWORD = "Heartbeat-S3cret";

    @TempDir
    Path dir;

    @Test
    void wrongPasswordSaysWhichSettingToCheckAndNeverPrintsThePassword() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        StartupOutcome outcome = run(fixture.relayProperties(Map.of("database.password", WRONG_PASSWORD)));

        assertOneLine(outcome, RelayCli.EXIT_STARTUP, "rejected the password for user '" + SharedInfrastructure.postgres().superuser()
                + "': check database.password");
        assertThat(outcome.stderr()).doesNotContain(WRONG_PASSWORD);
    }

    @Test
    void unreachableDatabaseNamesHostAndPort() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        int closedPort = freePort();
        StartupOutcome outcome = run(fixture.relayProperties(Map.of("database.port", String.valueOf(closedPort))));

        assertOneLine(outcome, RelayCli.EXIT_STARTUP, "cannot reach PostgreSQL at " + SharedInfrastructure.postgres().host() + ":" + closedPort);
    }

    @Test
    void walLevelReplicaSaysToSetLogicalAndRestart() throws Exception {
        try (PostgresInstance replicaOnly = Infrastructure.startPostgres(Map.of("wal_level", "replica"))) {
            RelayFixture fixture = new RelayFixture(replicaOnly, SharedInfrastructure.kafka());
            StartupOutcome outcome = run(fixture.relayProperties(Map.of()));

            assertOneLine(outcome, RelayCli.EXIT_STARTUP,
                    "wal_level is 'replica'", "set wal_level=logical in postgresql.conf");
        }
    }

    @Test
    void missingPublicationSaysHowToCreateIt() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        fixture.sql("DROP PUBLICATION outbox_publication");
        StartupOutcome outcome = run(fixture.relayProperties(Map.of()));

        assertOneLine(outcome, RelayCli.EXIT_STARTUP, "publication 'outbox_publication' does not exist",
                "V2__outbox_publication.sql");
    }

    @Test
    void heartbeatTableMissingFromThePublicationSaysHowToAddItOrTurnHeartbeatsOff() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        fixture.sql("ALTER PUBLICATION outbox_publication DROP TABLE outbox.heartbeat");
        StartupOutcome outcome = run(fixture.relayProperties(Map.of()));

        assertOneLine(outcome, RelayCli.EXIT_STARTUP, "does not publish inserts on outbox.heartbeat",
                "ALTER PUBLICATION outbox_publication ADD TABLE outbox.heartbeat", "heartbeat.interval.ms=0");
    }

    @Test
    void roleThatMayNotWriteHeartbeatsIsToldWhichGrantItNeeds() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        String role = "relay_" + fixture.database.replace("relay_test_", "");
        fixture.sql("CREATE ROLE " + role + " LOGIN REPLICATION PASSWORD '" + HEARTBEAT_ROLE_PASSWORD + "'");
        fixture.sql("GRANT USAGE ON SCHEMA outbox TO " + role);
        fixture.sql("GRANT SELECT ON outbox.event TO " + role);
        StartupOutcome outcome = run(fixture.relayProperties(Map.of("database.user", role, "database.password", HEARTBEAT_ROLE_PASSWORD)));

        assertOneLine(outcome, RelayCli.EXIT_STARTUP, "role '" + role + "' may not write heartbeats",
                "GRANT INSERT, DELETE ON outbox.heartbeat TO " + role);
    }

    @Test
    void unreachableKafkaNamesTheBootstrapServers() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        String nowhere = "127.0.0.1:" + freePort();
        StartupOutcome outcome = run(fixture.relayProperties(Map.of("kafka.bootstrap.servers", nowhere,
                "startup.timeout.ms", "2000")));

        assertOneLine(outcome, RelayCli.EXIT_STARTUP, "cannot reach Kafka at " + nowhere,
                "check kafka.bootstrap.servers");
    }

    @Test
    void missingRequiredSettingIsAConfigurationErrorNamingIt() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        Properties props = fixture.relayProperties(Map.of());
        props.remove("database.name");
        StartupOutcome outcome = run(props);

        assertOneLine(outcome, RelayCli.EXIT_CONFIG, "database.name is required", "RELAY_DATABASE_NAME");
    }

    private StartupOutcome run(Properties props) throws IOException {
        return StartupOutcome.run(dir, props);
    }

    private static void assertOneLine(StartupOutcome outcome, int exitCode, String... fragments) {
        outcome.assertOneLine(exitCode, fragments);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
