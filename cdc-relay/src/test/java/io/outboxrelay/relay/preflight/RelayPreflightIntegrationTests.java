package io.outboxrelay.relay.preflight;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGProperty;

import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.relay.testsupport.StartupOutcome;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.PostgresInstance;
import io.outboxrelay.testkit.PostgresVersion;

/**
 * The database pre-flight checks, each provoked for real against PostgreSQL: one line on stderr that
 * says what is wrong and what to do, exit code 3, and never the password.
 */
public class RelayPreflightIntegrationTests {

    public static final String ROLE_PASSWORD = "R0le-S3cret";

    @TempDir
    Path dir;

    @Test
    void roleWithoutConnectPrivilegeIsToldToGrantConnect() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        String role = createRelayRole(fixture);
        fixture.sql("REVOKE CONNECT ON DATABASE " + fixture.database + " FROM PUBLIC");

        StartupOutcome outcome = runAs(fixture, role, Map.of());

        assertOneLineWithoutPassword(outcome, "role '" + role + "' may not connect to " + where(fixture)
                + ": run GRANT CONNECT ON DATABASE " + fixture.database + " TO " + role);
    }

    @Test
    void roleWithoutReplicationIsToldToAlterIt() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        String role = createRelayRole(fixture);
        fixture.sql("ALTER ROLE " + role + " NOREPLICATION");

        StartupOutcome outcome = runAs(fixture, role, Map.of());

        assertOneLineWithoutPassword(outcome, "role '" + role + "' may not stream logical changes: run ALTER ROLE " + role
                + " WITH REPLICATION as a superuser");
    }

    @Test
    void missingOutboxTableIsReportedAsMissingEvenToARoleWithoutGrants() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        String role = createRelayRole(fixture);

        StartupOutcome outcome = runAs(fixture, role, Map.of("outbox.table", "outbox.evnt"));

        assertOneLineWithoutPassword(outcome, "outbox table outbox.evnt does not exist in " + where(fixture)
                + ": apply the outbox-sql migrations, or set outbox.table");
    }

    @Test
    void roleWithoutUsageOnTheOutboxSchemaIsToldToGrantUsage() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        String role = createRelayRole(fixture);
        fixture.sql("GRANT SELECT ON outbox.event TO " + role);

        StartupOutcome outcome = runAs(fixture, role, Map.of());

        assertOneLineWithoutPassword(outcome, "role '" + role + "' may not use schema outbox in " + where(fixture)
                + ": run GRANT USAGE ON SCHEMA outbox TO " + role);
    }

    @Test
    void roleWithoutSelectOnTheOutboxIsToldToGrantItWhenTheSnapshotReadsTheTableAndStartsOnceGranted() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        String role = createRelayRole(fixture);
        fixture.sql("GRANT USAGE ON SCHEMA outbox TO " + role);
        Map<String, String> snapshot = Map.of("snapshot.mode", "initial");

        StartupOutcome outcome = runAs(fixture, role, snapshot);

        assertOneLineWithoutPassword(outcome, "role '" + role + "' may not read the outbox table outbox.event in "
                + where(fixture) + ", which snapshot.mode=initial reads: run GRANT SELECT ON outbox.event TO " + role
                + ", or set snapshot.mode=no_data");

        // what the line says is enough: REPLICATION, CONNECT, USAGE, the heartbeat grants and SELECT, nothing more
        fixture.sql("GRANT SELECT ON outbox.event TO " + role);
        Map<String, String> settings = new java.util.HashMap<>(snapshot);
        settings.putAll(Map.of("database.user", role, "database.password", ROLE_PASSWORD));
        RelayConfig config = fixture.relayConfig(settings);
        try (Relay relay = Relay.start(config)) {
            assertThat(relay.state()).isEqualTo(Relay.State.RUNNING);
        }
        finally {
            fixture.sql("SELECT pg_drop_replication_slot('" + config.get(RelayConfig.SLOT_NAME) + "')");
        }
    }

    @Test
    void roleWithoutSelectOnTheOutboxStreamsWhenNoSnapshotReadsTheTable() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        String role = createRelayRole(fixture);
        fixture.sql("GRANT USAGE ON SCHEMA outbox TO " + role);
        RelayConfig config = fixture.relayConfig(Map.of("database.user", role, "database.password", ROLE_PASSWORD));
        try (Relay relay = Relay.start(config)) {
            assertThat(relay.state()).isEqualTo(Relay.State.RUNNING);
        }
        finally {
            fixture.sql("SELECT pg_drop_replication_slot('" + config.get(RelayConfig.SLOT_NAME) + "')");
        }
    }

    @Test
    void slotHeldByARunningRelayNamesItsHolderAndSaysToStopItOrRenameTheSlot() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        String slot = fixture.relayConfig().get(RelayConfig.SLOT_NAME);
        try (Relay first = Relay.start(fixture.relayConfig())) {
            // another relay.name, the same slot.name; its wait for the slot to be released is kept short
            StartupOutcome outcome = StartupOutcome.run(dir, fixture.relayProperties(Map.of(
                    "relay.name", fixture.topicPrefix + "-second", "startup.timeout.ms", "2000")));

            String line = outcome.assertOneLine(RelayCli.EXIT_STARTUP, "replication slot '" + slot + "' is in use by PID ",
                    ": another relay is running with slot.name=" + slot + "; stop it or set a different slot.name");
            assertThat(line).containsPattern("in use by PID \\d+ \\(application_name '[^']+', client_addr 127\\.0\\.0\\.1\\)");
            assertThat(first.state()).isEqualTo(Relay.State.RUNNING);
        }
        finally {
            fixture.sql("SELECT pg_drop_replication_slot('" + slot + "')");
        }
    }

    @Test
    void slotOfAnotherDatabaseIsNotTakenOver() throws Exception {
        RelayFixture owner = SharedInfrastructure.newFixture();
        RelayFixture fixture = SharedInfrastructure.newFixture();
        String slot = "slot_owned_by_" + owner.database;
        owner.sql("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        try {
            StartupOutcome outcome = StartupOutcome.run(dir, fixture.relayProperties(Map.of("slot.name", slot)));

            outcome.assertOneLine(RelayCli.EXIT_STARTUP, "replication slot '" + slot + "' on " + where(fixture)
                    + " belongs to database '" + owner.database + "', not to '" + fixture.database
                    + "': set a different slot.name for this relay");
        }
        finally {
            owner.sql("SELECT pg_drop_replication_slot('" + slot + "')");
        }
    }

    @Test
    void unsupportedPostgresVersionIsRefusedBeforeDebeziumTouchesIt() throws Exception {
        String jar = System.getProperty("outbox.test.unsupported-postgres-jar");
        assertThat(jar).as("set by the failsafe configuration in cdc-relay/pom.xml").isNotNull();
        try (PostgresInstance old = Infrastructure.startPostgres(PostgresVersion.fromBinariesJar(Path.of(jar)), Map.of())) {
            Properties props = new Properties();
            props.setProperty("database.host", old.host());
            props.setProperty("database.port", String.valueOf(old.port()));
            props.setProperty("database.name", "postgres");
            props.setProperty("database.user", old.superuser());
            props.setProperty("database.password", old.superuserPassword());
            props.setProperty("kafka.bootstrap.servers", SharedInfrastructure.kafka().bootstrapServers());

            StartupOutcome outcome = StartupOutcome.run(dir, props);

            outcome.assertOneLine(RelayCli.EXIT_STARTUP, "PostgreSQL 13.", " at " + old.host() + ":" + old.port()
                    + "/postgres is not supported (the relay needs 14 or later): upgrade PostgreSQL");
        }
    }

    @Test
    void offsetTopicKafkaCouldNotCreateNamesTheSettingToFix() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();

        StartupOutcome outcome = StartupOutcome.run(dir, fixture.relayProperties(Map.of("offset.topic.replication.factor", "3")));

        outcome.assertOneLine(RelayCli.EXIT_STARTUP, "Kafka at " + SharedInfrastructure.kafka().bootstrapServers()
                + " would not create topic '" + fixture.topicPrefix + ".offsets' (", "): check offset.topic and offset.topic.replication.factor");
    }

    @Test
    void eventTopicSettingsKafkaWouldRefuseStopTheStartInsteadOfDeadLetteringEveryRow() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        try (Admin admin = fixture.admin()) { // the dead-letter topic exists: only event topics would be created
            admin.createTopics(List.of(new NewTopic(fixture.topicPrefix + ".dead-letter", 1, (short) 1))).all().get();
        }

        StartupOutcome outcome = StartupOutcome.run(dir, fixture.relayProperties(Map.of("topic.replication.factor", "3")));

        outcome.assertOneLine(RelayCli.EXIT_STARTUP, "Kafka at " + SharedInfrastructure.kafka().bootstrapServers()
                + " would not create event topics with these settings (topic '" + fixture.topicPrefix
                + ".outbox-relay-preflight-probe': ", "): check topic.partitions, topic.replication.factor and topic.retention.ms");
    }

    /** A server with room for one replication slot and one WAL sender, filled up by each test. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnAServerWithOneSlotAndOneWalSender {

        private PostgresInstance tight;

        @BeforeAll
        void start() {
            tight = Infrastructure.startPostgres(Map.of("max_replication_slots", "1", "max_wal_senders", "1"));
        }

        @AfterAll
        void stop() {
            tight.close();
        }

        @Test
        void noFreeReplicationSlotNamesTheLimitAndTheSlotsInUse() throws Exception {
            RelayFixture fixture = new RelayFixture(tight, SharedInfrastructure.kafka());
            fixture.sql("SELECT pg_create_logical_replication_slot('someone_elses_slot', 'pgoutput')");
            try {
                StartupOutcome outcome = StartupOutcome.run(dir, fixture.relayProperties(Map.of()));

                outcome.assertOneLine(RelayCli.EXIT_STARTUP, "no free replication slot on " + where(fixture) + " for slot.name '",
                        "max_replication_slots is 1 and 1 slots are in use; raise max_replication_slots in postgresql.conf"
                                + " and restart PostgreSQL");
            }
            finally {
                fixture.sql("SELECT pg_drop_replication_slot('someone_elses_slot')");
            }
        }

        @Test
        void noFreeWalSenderNamesTheLimitAndSaysToRaiseIt() throws Exception {
            RelayFixture fixture = new RelayFixture(tight, SharedInfrastructure.kafka());
            Properties replication = new Properties();
            PGProperty.USER.set(replication, tight.superuser());
            PGProperty.PASSWORD.set(replication, tight.superuserPassword());
            PGProperty.REPLICATION.set(replication, "database");
            PGProperty.ASSUME_MIN_SERVER_VERSION.set(replication, "10");
            PGProperty.PREFER_QUERY_MODE.set(replication, "simple");
            // A replication connection holds a WAL sender from the moment it is open.
            try (Connection ignored = DriverManager.getConnection(tight.jdbcUrl(fixture.database), replication)) {
                StartupOutcome outcome = StartupOutcome.run(dir, fixture.relayProperties(Map.of()));

                outcome.assertOneLine(RelayCli.EXIT_STARTUP, "no free WAL sender on " + where(fixture)
                        + ": max_wal_senders is 1 and 1 are in use by replication connections; raise max_wal_senders"
                        + " in postgresql.conf and restart PostgreSQL");
            }
        }
    }

    /** A role like a production relay's: it may log in and stream, and nothing else until granted. */
    private static String createRelayRole(RelayFixture fixture) throws Exception {
        String role = "relay_role_" + fixture.database;
        fixture.sql("CREATE ROLE " + role + " LOGIN REPLICATION PASSWORD '" + ROLE_PASSWORD + "'");
        fixture.sql("GRANT INSERT, DELETE ON outbox.heartbeat TO " + role); // heartbeats are on by default
        return role;
    }

    private StartupOutcome runAs(RelayFixture fixture, String role, Map<String, String> overrides) throws Exception {
        Properties props = fixture.relayProperties(overrides);
        props.setProperty("database.user", role);
        props.setProperty("database.password", ROLE_PASSWORD);
        return StartupOutcome.run(dir, props);
    }

    private static void assertOneLineWithoutPassword(StartupOutcome outcome, String expected) {
        outcome.assertOneLine(RelayCli.EXIT_STARTUP, expected);
        assertThat(outcome.stderr()).doesNotContain(ROLE_PASSWORD);
    }

    private static String where(RelayFixture fixture) {
        return fixture.postgres.host() + ":" + fixture.postgres.port() + "/" + fixture.database;
    }
}
