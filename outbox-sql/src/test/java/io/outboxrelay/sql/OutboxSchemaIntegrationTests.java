package io.outboxrelay.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.PostgresInstance;

class OutboxSchemaIntegrationTests {

    static PostgresInstance postgres;

    @BeforeAll
    static void start() {
        postgres = Infrastructure.startPostgres();
    }

    @AfterAll
    static void stop() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void migratesOnceAndChangesNothingTheSecondTime() throws Exception {
        DataSource ds = database("twice");

        assertThat(OutboxSchema.migrate(ds)).isEqualTo(migrationFiles().size());
        String before = catalog(ds);
        assertThat(OutboxSchema.migrate(ds)).isZero();
        assertThat(catalog(ds)).isEqualTo(before);
    }

    @Test
    void publicationCoversOnlyTheOutboxAndHeartbeatTablesAndOnlyInserts() throws Exception {
        DataSource ds = database("publication");
        OutboxSchema.migrate(ds);

        assertThat(rows(ds, "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = 'outbox_publication'"
                + " ORDER BY 1")).containsExactly(OutboxSchema.TABLE, OutboxSchema.HEARTBEAT_TABLE);
        assertThat(rows(ds, "SELECT pubinsert || ',' || pubupdate || ',' || pubdelete || ',' || pubtruncate"
                + " FROM pg_publication WHERE pubname = 'outbox_publication'")).containsExactly("true,false,false,false");
        assertThat(rows(ds, "SELECT count(*) FROM outbox.heartbeat")).containsExactly("1");
    }

    @Test
    void plainFilesAppliedByHandTwiceAreAdoptedByFlyway() throws Exception {
        DataSource ds = database("by_hand");
        List<Path> files = migrationFiles();
        assertThat(files).extracting(p -> p.getFileName().toString())
                .startsWith("V1__outbox_table.sql", "V2__outbox_publication.sql", "V3__heartbeat_table.sql")
                .contains("V5__heartbeat_published.sql");
        for (int round = 0; round < 2; round++) {
            for (Path file : files) {
                execute(ds, Files.readString(file));
            }
        }
        String byHand = catalog(ds);

        OutboxSchema.migrate(ds);

        assertThat(catalog(ds)).isEqualTo(byHand);
        assertThat(rows(ds, "SELECT count(*) FROM outbox.flyway_schema_history WHERE success"))
                .containsExactly(String.valueOf(files.size() + 1)); // + the baseline
    }

    @Test
    void heartbeatIsAPublishedInsertKeepingOneRowAndNeedsOnlyInsertAndDelete() throws Exception {
        DataSource ds = database("heartbeat");
        OutboxSchema.migrate(ds);
        execute(ds, "CREATE ROLE beater LOGIN PASSWORD 'beater-pw'");
        execute(ds, "GRANT USAGE ON SCHEMA outbox TO beater");
        execute(ds, "GRANT INSERT, DELETE ON outbox.heartbeat TO beater");
        execute(ds, "SELECT pg_create_logical_replication_slot('beats', 'pgoutput')");
        String before = rows(ds, "SELECT beat_at::text FROM outbox.heartbeat").get(0);

        DataSource asBeater = dataSource("heartbeat", "beater", "beater-pw");
        execute(asBeater, OutboxSchema.HEARTBEAT_SQL);
        execute(asBeater, OutboxSchema.HEARTBEAT_SQL);

        assertThat(rows(ds, "SELECT id || ' ' || (beat_at > '" + before + "') FROM outbox.heartbeat")).containsExactly("1 true");
        // pgoutput messages: 'I' is an insert; a transaction without a published change would not appear at all
        assertThat(rows(ds, "SELECT count(*) FROM pg_logical_slot_peek_binary_changes('beats', NULL, NULL,"
                + " 'proto_version', '1', 'publication_names', 'outbox_publication') WHERE get_byte(data, 0) = ascii('I')"))
                .containsExactly("2");
        execute(ds, "SELECT pg_drop_replication_slot('beats')");
    }

    private static List<Path> migrationFiles() throws java.io.IOException {
        try (Stream<Path> list = Files.list(Path.of("src/main/resources/db/outbox"))) {
            return list.sorted().toList();
        }
    }

    @Test
    void outboxRowNeedsAggregateAndEventTypeButNotTraceIds() throws Exception {
        DataSource ds = database("constraints");
        OutboxSchema.migrate(ds);

        execute(ds, "INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload)"
                + " VALUES (gen_random_uuid(), 'Order', 'o-1', 'OrderPlaced', '{\"a\": 1}')");
        assertThat(rows(ds, "SELECT occurred_at IS NOT NULL FROM outbox.event")).containsExactly("t");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> execute(ds,
                        "INSERT INTO outbox.event (event_id, aggregate_type, event_type, payload)"
                                + " VALUES (gen_random_uuid(), 'Order', 'OrderPlaced', '{}')"))
                .isInstanceOf(SQLException.class).hasMessageContaining("aggregate_id");
    }

    /** Tables, columns, indexes and publications: what a migration could change. */
    private static String catalog(DataSource ds) throws SQLException {
        return String.join("\n", rows(ds, "SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable"
                + " FROM information_schema.columns WHERE table_schema = 'outbox' AND table_name <> 'flyway_schema_history'"
                + " ORDER BY 1"))
                + String.join("\n", rows(ds, "SELECT indexname FROM pg_indexes WHERE schemaname = 'outbox' AND tablename <> 'flyway_schema_history' ORDER BY 1"))
                + String.join("\n", rows(ds, "SELECT pubname FROM pg_publication ORDER BY 1"))
                + String.join("\n", rows(ds, "SELECT id || '' FROM outbox.heartbeat"));
    }

    private static DataSource database(String name) {
        postgres.createDatabase(name);
        return dataSource(name, postgres.superuser(), postgres.superuserPassword());
    }

    private static DataSource dataSource(String database, String user, String password) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(postgres.jdbcUrl(database));
        ds.setUser(user);
        ds.setPassword(password);
        return ds;
    }

    private static void execute(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static List<String> rows(DataSource ds, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
