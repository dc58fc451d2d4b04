package io.outboxrelay.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class PostgresIntegrationTests {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresIntegrationTests.class);
    private static PostgresInstance postgres;

    @BeforeAll
    static void start() {
        long start = System.nanoTime();
        postgres = Infrastructure.startPostgres();
        LOG.info("Start time: PostgreSQL {} ms", (System.nanoTime() - start) / 1_000_000);
    }

    @AfterAll
    static void stop() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void startsPostgresWithLogicalDecoding() throws SQLException {
        postgres.createDatabase("decoding");
        try (Connection connection = connect(postgres, "decoding"); Statement statement = connection.createStatement()) {
            assertThat(show(statement, "wal_level")).isEqualTo("logical");
            assertThat(show(statement, "synchronous_commit")).isEqualTo("on");
            statement.execute("CREATE TABLE outbox (id bigint PRIMARY KEY, payload text)");
            statement.execute("CREATE PUBLICATION outbox_publication FOR TABLE outbox");
            statement.execute("SELECT pg_create_logical_replication_slot('testkit_slot', 'pgoutput')");
            statement.execute("INSERT INTO outbox VALUES (1, 'hello-decoding')");

            List<byte[]> messages = new ArrayList<>();
            try (ResultSet changes = statement.executeQuery("SELECT data FROM pg_logical_slot_get_binary_changes("
                    + "'testkit_slot', NULL, NULL, 'proto_version', '1', 'publication_names', 'outbox_publication')")) {
                while (changes.next()) {
                    messages.add(changes.getBytes(1));
                }
            }
            statement.execute("SELECT pg_drop_replication_slot('testkit_slot')");

            // pgoutput: Begin, Relation, Insert, Commit; the insert carries the row as text.
            assertThat(messages).extracting(message -> (char) message[0]).containsExactly('B', 'R', 'I', 'C');
            assertThat(new String(messages.get(2), StandardCharsets.UTF_8)).contains("hello-decoding");
        }
    }

    @Test
    void rejectsWrongPassword() {
        assertThatThrownBy(() -> DriverManager.getConnection(postgres.jdbcUrl("postgres"), postgres.superuser(), "wrong"))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    }

    @Test
    void appliesExtraServerSettings() throws SQLException {
        // A quote and a space check that values survive pg_ctl's trip through the shell.
        try (PostgresInstance replica = Infrastructure.startPostgres(Map.of("wal_level", "replica", "cluster_name", "outbox's testkit"));
             Connection connection = connect(replica, "postgres");
             Statement statement = connection.createStatement()) {
            assertThat(show(statement, "wal_level")).isEqualTo("replica");
            assertThat(show(statement, "cluster_name")).isEqualTo("outbox's testkit");
            assertThat(show(statement, "max_replication_slots")).isEqualTo("64");
        }
    }

    @Test
    void restartsImmediatelyOnTheSamePortWithCommittedRowsAndSlotsRecoveredFromTheWal() throws SQLException {
        postgres.createDatabase("crash");
        int port = postgres.port();
        Connection before = connect(postgres, "crash");
        try (Statement statement = before.createStatement()) {
            statement.execute("CREATE TABLE survivor (id int PRIMARY KEY)");
            statement.execute("INSERT INTO survivor VALUES (1)");
            statement.execute("SELECT pg_create_logical_replication_slot('crash_slot', 'pgoutput')");
        }

        postgres.restartImmediately();

        // the old connection was cut, as by a crash
        assertThatThrownBy(() -> before.createStatement().execute("SELECT 1")).isInstanceOf(SQLException.class);
        before.close();
        assertThat(postgres.port()).isEqualTo(port);
        try (Connection connection = connect(postgres, "crash"); Statement statement = connection.createStatement()) {
            assertThat(show(statement, "wal_level")).as("settings survive the restart").isEqualTo("logical");
            try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM survivor")) {
                rows.next();
                assertThat(rows.getInt(1)).isEqualTo(1);
            }
            try (ResultSet slots = statement.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'crash_slot'")) {
                slots.next();
                assertThat(slots.getInt(1)).isEqualTo(1);
            }
            statement.execute("SELECT pg_drop_replication_slot('crash_slot')");
        }
        assertThatThrownBy(() -> DriverManager.getConnection(postgres.jdbcUrl("crash"), postgres.superuser(), "wrong"))
                .as("passwords are still required").isInstanceOf(SQLException.class);
    }

    static Connection connect(PostgresInstance instance, String database) throws SQLException {
        return DriverManager.getConnection(instance.jdbcUrl(database), instance.superuser(), instance.superuserPassword());
    }

    private static String show(Statement statement, String setting) throws SQLException {
        try (ResultSet result = statement.executeQuery("SHOW " + setting)) {
            result.next();
            return result.getString(1);
        }
    }
}
