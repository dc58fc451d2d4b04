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
                .contains("V4__capture_function.sql", "V5__heartbeat_published.sql", "V6__emit_function.sql");
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

    @Test
    void pendingListsTheFilesMigrateWouldApplyAndChangesNothing() throws Exception {
        DataSource ds = database("pending");

        List<OutboxSchema.Script> pending = OutboxSchema.pending(ds);

        assertThat(pending).extracting(OutboxSchema.Script::name).containsExactly("V1__outbox_table.sql",
                "V2__outbox_publication.sql", "V3__heartbeat_table.sql", "V4__capture_function.sql",
                "V5__heartbeat_published.sql", "V6__emit_function.sql");
        assertThat(pending.get(0).sql()).contains("CREATE TABLE IF NOT EXISTS outbox.event");
        assertThat(rows(ds, "SELECT count(*) FROM pg_namespace WHERE nspname = 'outbox'")).containsExactly("0");
        OutboxSchema.migrate(ds);
        assertThat(OutboxSchema.pending(ds)).isEmpty();
    }

    @Test
    void captureFunctionKeysCompositePrimaryKeysByTheirValuesInKeyOrderEscapedAndJoinedWithSlashes() throws Exception {
        DataSource ds = database("capture_keys");
        OutboxSchema.migrate(ds);
        execute(ds, "CREATE TABLE public.line (a text, b int, c text, PRIMARY KEY (b, a, c))");
        execute(ds, "CREATE TRIGGER outbox_capture AFTER INSERT OR UPDATE OR DELETE ON public.line"
                + " FOR EACH ROW EXECUTE FUNCTION outbox.capture_change()");

        execute(ds, "INSERT INTO public.line VALUES ('x/y', 2, 'back\\slash')");
        execute(ds, "DELETE FROM public.line");

        assertThat(rows(ds, "SELECT aggregate_type || ' ' || aggregate_id || ' ' || event_type || ' ' || payload::text"
                + " FROM outbox.event ORDER BY occurred_at, event_type DESC")).containsExactly(
                "line 2/x\\/y/back\\\\slash INSERT {\"a\": \"x/y\", \"b\": 2, \"c\": \"back\\\\slash\"}",
                "line 2/x\\/y/back\\\\slash DELETE {\"a\": \"x/y\", \"b\": 2, \"c\": \"back\\\\slash\"}");
    }

    @Test
    void captureFunctionCannotBeAttachedByOtherRolesButWritesTheOutboxForThemWithoutGrants() throws Exception {
        DataSource ds = database("capture_rights");
        OutboxSchema.migrate(ds);
        execute(ds, "CREATE ROLE capture_app; GRANT USAGE, CREATE ON SCHEMA public TO capture_app;"
                + " GRANT USAGE ON SCHEMA outbox TO capture_app;"
                + " CREATE TABLE public.captured (id int PRIMARY KEY); GRANT INSERT ON public.captured TO capture_app;"
                + " CREATE TRIGGER outbox_capture AFTER INSERT OR UPDATE OR DELETE ON public.captured"
                + " FOR EACH ROW EXECUTE FUNCTION outbox.capture_change()");

        execute(ds, "SET ROLE capture_app; INSERT INTO public.captured VALUES (1); RESET ROLE");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> execute(ds,
                        "SET ROLE capture_app; CREATE TABLE public.own (id int PRIMARY KEY);"
                                + " CREATE TRIGGER t AFTER INSERT ON public.own FOR EACH ROW EXECUTE FUNCTION outbox.capture_change()"))
                .isInstanceOf(SQLException.class).hasMessageContaining("permission denied for function outbox.capture_change");

        assertThat(rows(ds, "SELECT aggregate_type || ' ' || aggregate_id FROM outbox.event")).containsExactly("captured 1");
        assertThat(rows(ds, "SELECT has_table_privilege('capture_app', 'outbox.event', 'INSERT')")).containsExactly("f");
    }

    @Test
    void emitWritesATransactionalMessageOnlyOnCommitAndOnlyForRolesGrantedExecute() throws Exception {
        DataSource ds = database("emit");
        OutboxSchema.migrate(ds);
        execute(ds, "SELECT pg_create_logical_replication_slot('emits', 'pgoutput')");
        execute(ds, "CREATE ROLE emit_app LOGIN PASSWORD 'emit-pw'; CREATE ROLE other_app LOGIN PASSWORD 'other-pw';"
                + " GRANT USAGE ON SCHEMA outbox TO emit_app, other_app;"
                + " GRANT EXECUTE ON FUNCTION outbox.emit(uuid, text, text, text, jsonb, text, text) TO emit_app");
        DataSource asApp = dataSource("emit", "emit_app", "emit-pw");
        String emit = "SELECT outbox.emit('00000000-0000-0000-0000-00000000000%s', 'Order', 'o-%s', 'OrderPlaced',"
                + " '{\"b\": 1,  \"a\": \"x\\ny\"}', %s)";

        execute(asApp, String.format(emit, 1, 1, "'trace-1'"));
        execute(asApp, "BEGIN; " + String.format(emit, 2, 2, "NULL") + "; ROLLBACK");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> execute(dataSource("emit", "other_app", "other-pw"),
                        String.format(emit, 3, 3, "NULL")))
                .isInstanceOf(SQLException.class).hasMessageContaining("permission denied for function emit");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> execute(asApp,
                        "SELECT outbox.emit(gen_random_uuid(), 'Order', NULL, 'OrderPlaced', '{}')"))
                .isInstanceOf(SQLException.class).hasMessageContaining("aggregate_id must not be null");

        // pgoutput with messages on: 'M', then the transactional flag (1), the LSN, the prefix and the content
        List<String> messages = rows(ds, "SELECT get_byte(data, 1) || ' ' || convert_from(substr(data, 11, 6), 'UTF8') || ' '"
                + " || convert_from(substr(data, 22), 'UTF8') FROM pg_logical_slot_get_binary_changes('emits', NULL, NULL,"
                + " 'proto_version', '1', 'publication_names', 'outbox_publication', 'messages', 'true')"
                + " WHERE get_byte(data, 0) = ascii('M')");
        assertThat(messages).hasSize(1);
        String[] headAndPayload = messages.get(0).split("\n", -1);
        assertThat(headAndPayload[0]).startsWith("1 outbox {").contains("\"event_id\" : \"00000000-0000-0000-0000-000000000001\"",
                "\"aggregate_type\" : \"Order\"", "\"aggregate_id\" : \"o-1\"", "\"event_type\" : \"OrderPlaced\"",
                "\"trace_id\" : \"trace-1\"", "\"correlation_id\" : null");
        assertThat(headAndPayload[0]).containsPattern("\"occurred_at\" : \"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z\"");
        // the payload as jsonb renders it (keys sorted, whitespace normalised), its escaped newline still escaped
        assertThat(headAndPayload).hasSize(2);
        assertThat(headAndPayload[1]).isEqualTo("{\"a\": \"x\\ny\", \"b\": 1}");
        execute(ds, "SELECT pg_drop_replication_slot('emits')");
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
