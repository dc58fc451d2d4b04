package io.outboxrelay.relay.attach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.sql.OutboxHeaders;
import io.outboxrelay.sql.OutboxSchema;

import picocli.CommandLine;

/**
 * {@code relay attach} and {@code relay detach} against a database that a legacy application
 * already uses (real PostgreSQL and Kafka): a least-privilege relay role that streams, triggers that
 * capture an unchanged legacy table, idempotence, dry runs, and the refusals that protect events.
 */
public class AttachIntegrationTests {

    private static final AtomicInteger ROLES = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String ROLE_PASSWORD = "R3lay-S3cret";
    public static final String APP_PASSWORD = "L3gacy-S3cret";

    @TempDir
    Path dir;

    record Outcome(int exitCode, String out, String err) {
    }

    /** A database holding a legacy application's schema and rows, and the application's own plain role. */
    private final class Legacy {
        final RelayFixture fixture;
        final String appRole;
        final String relayRole;

        Legacy() throws SQLException {
            fixture = SharedInfrastructure.newEmptyFixture();
            int n = ROLES.incrementAndGet();
            long pid = ProcessHandle.current().pid();
            appRole = "shop_app_" + n + "_" + pid;
            relayRole = "relay_app_" + n + "_" + pid;
            fixture.sql("CREATE SCHEMA shop;"
                    + " CREATE TABLE shop.customer (id int PRIMARY KEY, name text NOT NULL, version int NOT NULL, note text);"
                    + " CREATE TABLE shop.order_line (order_id int, line_no int, qty int NOT NULL, PRIMARY KEY (order_id, line_no));"
                    + " CREATE TABLE shop.audit_log (message text);"
                    + " INSERT INTO shop.customer SELECT i, 'customer ' || i, 1, 'seed' FROM generate_series(1, 50) i;"
                    + " INSERT INTO shop.order_line VALUES (1, 1, 3), (1, 2, 1);"
                    + " CREATE ROLE " + appRole + " LOGIN PASSWORD '" + APP_PASSWORD + "';"
                    + " GRANT USAGE ON SCHEMA shop TO " + appRole + ";"
                    + " GRANT SELECT, INSERT, UPDATE, DELETE ON shop.customer, shop.order_line TO " + appRole);
        }

        Connection asApp() throws SQLException {
            return DriverManager.getConnection(fixture.postgres.jdbcUrl(fixture.database), appRole, APP_PASSWORD);
        }

        Path config(Map<String, String> overrides) throws IOException {
            Path file = Files.createTempFile(dir, "relay", ".properties");
            try (Writer w = Files.newBufferedWriter(file)) {
                fixture.relayProperties(overrides).store(w, null);
            }
            return file;
        }

        /** The relay's settings as its own role. */
        Map<String, String> asRelayRole() {
            return Map.of("database.user", relayRole, "database.password", ROLE_PASSWORD);
        }

        Outcome cli(Map<String, String> env, String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = RelayCli.commandLine(env);
            cli.setOut(new PrintWriter(out));
            cli.setErr(new PrintWriter(err));
            int code = cli.execute(args);
            return new Outcome(code, out.toString(), err.toString());
        }

        /** attach as the superuser with the relay's configuration (database.user = the superuser). */
        Outcome attach(String... options) throws IOException {
            List<String> args = new ArrayList<>(List.of("attach", "--config", config(Map.of()).toString()));
            args.addAll(List.of(options));
            return cli(Map.of("RELAY_ROLE_PASSWORD", ROLE_PASSWORD), args.toArray(String[]::new));
        }

        Outcome detach(String... options) throws IOException {
            List<String> args = new ArrayList<>(List.of("detach", "--config", config(Map.of()).toString()));
            args.addAll(List.of(options));
            return cli(Map.of(), args.toArray(String[]::new));
        }

        List<String> rows(String sql) throws SQLException {
            List<String> out = new ArrayList<>();
            try (Connection c = fixture.dataSource().getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }

        /** What attach may change, including each row's xmin, so a needless rewrite of a catalog row shows too. */
        String catalog() throws SQLException {
            List<String> parts = new ArrayList<>();
            parts.add("roles " + rows("SELECT a.rolname || ':' || a.rolsuper || a.rolinherit || a.rolcreaterole || a.rolcreatedb"
                    + " || a.rolcanlogin || a.rolreplication || a.rolbypassrls || ':' || a.xmin FROM pg_authid a"
                    + " WHERE a.rolname IN ('" + appRole + "', '" + relayRole + "') ORDER BY 1"));
            parts.add("database " + rows("SELECT coalesce(datacl::text, '') || ':' || xmin FROM pg_database WHERE datname = current_database()"));
            parts.add("schemas " + rows("SELECT nspname || ':' || nspowner::regrole || ':' || coalesce(nspacl::text, '') || ':' || xmin"
                    + " FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1"));
            parts.add("relations " + rows("SELECT c.oid::regclass || ':' || c.relkind::text || ':' || c.relowner::regrole || ':'"
                    + " || coalesce(c.relacl::text, '') || ':' || c.xmin FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1"));
            parts.add("columns " + rows("SELECT table_schema || '.' || table_name || '.' || column_name || ':' || data_type"
                    + " FROM information_schema.columns WHERE table_schema IN ('outbox', 'shop') ORDER BY 1"));
            parts.add("triggers " + rows("SELECT tgrelid::regclass || ':' || tgname || ':' || tgfoid::regprocedure || ':' || xmin"
                    + " FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1"));
            parts.add("functions " + rows("SELECT p.oid::regprocedure || ':' || p.prosecdef || ':' || coalesce(p.proconfig::text, '')"
                    + " || ':' || coalesce(p.proacl::text, '') || ':' || md5(p.prosrc) || ':' || p.xmin FROM pg_proc p"
                    + " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
                    + " ORDER BY 1"));
            parts.add("publications " + rows("SELECT pubname || ':' || pubinsert || pubupdate || pubdelete || pubtruncate || ':' || xmin"
                    + " FROM pg_publication ORDER BY 1"));
            parts.add("published " + rows("SELECT pubname || ':' || schemaname || '.' || tablename FROM pg_publication_tables ORDER BY 1"));
            parts.add("slots " + rows("SELECT slot_name FROM pg_replication_slots WHERE database = current_database() ORDER BY 1"));
            parts.add("history " + rows("SELECT CASE WHEN to_regclass('outbox.flyway_schema_history') IS NULL THEN 'none'"
                    + " ELSE (xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM outbox.flyway_schema_history',"
                    + " false, true, '')))[1]::text END"));
            return String.join("\n", parts);
        }
    }

    @Test
    void attachesALegacyDatabaseWithALeastPrivilegeRoleThatRelaysTheApplicationsEventsAndChangesNothingTheSecondTime()
            throws Exception {
        Legacy legacy = new Legacy();

        Outcome first = legacy.attach("--create-role", legacy.relayRole);

        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).contains("created schema outbox", "created table outbox.event",
                "created publication outbox_publication", "created table outbox.heartbeat",
                "created function outbox.capture_change()", "created role " + legacy.relayRole,
                "granted CONNECT on database " + legacy.fixture.database + " to " + legacy.relayRole,
                "granted USAGE on schema outbox to " + legacy.relayRole,
                "granted SELECT, INSERT, UPDATE, DELETE on table outbox.heartbeat to " + legacy.relayRole,
                "not granted: SELECT on table outbox.event (streaming needs none with snapshot.mode=no_data",
                "created replication slot " + legacy.fixture.relayConfig().get(RelayConfig.SLOT_NAME) + " (pgoutput)")
                .doesNotContain(ROLE_PASSWORD);
        assertThat(legacy.rows("SELECT rolsuper || ',' || rolreplication || ',' || rolcanlogin || ',' || rolcreatedb"
                + " || ',' || rolcreaterole || ',' || rolbypassrls FROM pg_roles WHERE rolname = '" + legacy.relayRole + "'"))
                .containsExactly("false,true,true,false,false,false");
        assertThat(legacy.rows("SELECT has_table_privilege('" + legacy.relayRole + "', 'outbox.event', 'SELECT')"))
                .as("streaming reads the outbox through the slot, not with SELECT").containsExactly("f");
        assertThat(legacy.rows("SELECT count(*) FROM shop.customer")).as("legacy rows untouched").containsExactly("50");

        String before = legacy.catalog();
        Outcome second = legacy.attach("--create-role", legacy.relayRole);
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out()).contains("already present: publication outbox_publication",
                "already present: role " + legacy.relayRole,
                "already present: replication slot " + legacy.fixture.relayConfig().get(RelayConfig.SLOT_NAME));
        assertThat(second.out().lines()).noneMatch(line -> line.startsWith("created") || line.startsWith("granted")
                || line.startsWith("altered") || line.startsWith("applied"));
        // the password is set whenever RELAY_ROLE_PASSWORD is given: the only change, to the same password
        assertThat(legacy.catalog().replaceAll("(" + legacy.relayRole + ":[a-z]+):\\d+", "$1"))
                .isEqualTo(before.replaceAll("(" + legacy.relayRole + ":[a-z]+):\\d+", "$1"));
        String withoutPassword = legacy.catalog();
        Outcome third = legacy.cli(Map.of(), "attach", "--config", legacy.config(Map.of()).toString(),
                "--create-role", legacy.relayRole);
        assertThat(third.exitCode()).as(third.err()).isZero();
        assertThat(legacy.catalog()).as("catalog after attaching again without a role password").isEqualTo(withoutPassword);

        // committed after attach but before the relay's first start: waits in the slot attach created
        legacy.fixture.sql("INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload)"
                + " SELECT gen_random_uuid(), 'Invoice', 'early-' || i, 'InvoiceIssued', jsonb_build_object('n', i)"
                + " FROM generate_series(1, 5) i");
        try (Relay relay = Relay.start(legacy.fixture.relayConfig(legacy.asRelayRole()))) {
            assertThat(relay.state()).isEqualTo(Relay.State.RUNNING);
            legacy.fixture.sql("INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload)"
                    + " SELECT gen_random_uuid(), 'Invoice', 'i-' || i, 'InvoiceIssued', jsonb_build_object('n', i)"
                    + " FROM generate_series(1, 20) i");
            await().atMost(Duration.ofSeconds(60)).until(() -> legacy.fixture.endOffsetSum(List.of(legacy.fixture.topic("Invoice"))) >= 25);
        }
        assertThat(legacy.fixture.readAll(List.of(legacy.fixture.topic("Invoice"))).values().stream().mapToInt(List::size).sum())
                .as("5 events committed before the relay first ran + 20 after").isEqualTo(25);
    }

    @Test
    void capturesAnUnchangedLegacyTablesChangesInCommitOrderPerKeyAndNothingRolledBack() throws Exception {
        Legacy legacy = new Legacy();
        Outcome attached = legacy.attach("--create-role", legacy.relayRole,
                "--capture-table", "shop.customer", "--capture-table", "Shop.Order_Line");
        assertThat(attached.exitCode()).as(attached.err()).isZero();
        assertThat(attached.out()).contains("created capture trigger outbox_capture on shop.customer",
                "created capture trigger outbox_capture on shop.order_line");
        assertThat(legacy.rows("SELECT has_table_privilege('" + legacy.appRole + "', 'outbox.event', 'INSERT')"
                + " OR has_schema_privilege('" + legacy.appRole + "', 'outbox', 'USAGE')"))
                .as("the application's role has no outbox rights").containsExactly("f");

        String topic = legacy.fixture.topic("customer");
        int committedUpdates;
        Map<Integer, Integer> deletedAtVersion = new HashMap<>();
        try (Relay ignored = Relay.start(legacy.fixture.relayConfig(legacy.asRelayRole()))) {
            try (Connection app = legacy.asApp(); Statement st = app.createStatement()) {
                st.execute("INSERT INTO shop.customer SELECT i, 'new ' || i, 1, 'created' FROM generate_series(101, 120) i");
                st.execute("INSERT INTO shop.order_line VALUES (7, 2, 5)");
            }
            committedUpdates = updateConcurrently(legacy, 4, 25);
            try (Connection app = legacy.asApp(); Statement st = app.createStatement();
                 ResultSet rs = st.executeQuery("DELETE FROM shop.customer WHERE id BETWEEN 116 AND 120 RETURNING id, version")) {
                while (rs.next()) {
                    deletedAtVersion.put(rs.getInt(1), rs.getInt(2));
                }
            }
            int expected = 20 + committedUpdates + 5;
            await().atMost(Duration.ofSeconds(60)).until(() -> legacy.fixture.endOffsetSum(List.of(topic)) >= expected);
        }

        Map<String, List<ConsumerRecord<byte[], byte[]>>> byKey = new LinkedHashMap<>();
        legacy.fixture.readAll(List.of(topic)).values().forEach(records -> records.forEach(r ->
                byKey.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>()).add(r)));
        assertThat(byKey.values().stream().mapToInt(List::size).sum()).isEqualTo(20 + committedUpdates + 5);
        Map<Integer, Integer> finalVersions = new HashMap<>();
        legacy.rows("SELECT id || ':' || version FROM shop.customer WHERE id > 100").forEach(row ->
                finalVersions.put(Integer.parseInt(row.split(":")[0]), Integer.parseInt(row.split(":")[1])));
        finalVersions.putAll(deletedAtVersion);
        assertThat(byKey.keySet()).as("key = primary key").containsExactlyInAnyOrderElementsOf(
                finalVersions.keySet().stream().map(String::valueOf).toList());
        for (var entry : byKey.entrySet()) {
            int id = Integer.parseInt(entry.getKey());
            List<String> seen = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : entry.getValue()) {
                JsonNode row = JSON.readTree(r.value());
                assertThat(row.get("id").asInt()).isEqualTo(id);
                assertThat(row.get("note").asText()).doesNotStartWith("rolled back");
                seen.add(header(r, OutboxHeaders.EVENT_TYPE) + " " + row.get("version").asInt());
            }
            List<String> expected = new ArrayList<>();
            expected.add("INSERT 1");
            for (int v = 2; v <= finalVersions.get(id); v++) {
                expected.add("UPDATE " + v);
            }
            if (deletedAtVersion.containsKey(id)) {
                expected.add("DELETE " + deletedAtVersion.get(id));
            }
            assertThat(seen).as("events of customer %d in commit order", id).isEqualTo(expected);
        }
        List<ConsumerRecord<byte[], byte[]>> lines = legacy.fixture.readAll(List.of(legacy.fixture.topic("order_line")))
                .values().stream().flatMap(List::stream).toList();
        assertThat(lines).hasSize(1);
        assertThat(new String(lines.get(0).key(), StandardCharsets.UTF_8)).as("composite key joined with /").isEqualTo("7/2");
        assertThat(header(lines.get(0), OutboxHeaders.AGGREGATE_TYPE)).isEqualTo("order_line");
    }

    /** Updates random customers 101-120 from concurrent transactions, some rolled back; returns the committed row updates. */
    private static int updateConcurrently(Legacy legacy, int writers, int transactionsEach) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                results.add(pool.submit(() -> {
                    Random random = new Random(writer);
                    int committed = 0;
                    try (Connection app = legacy.asApp();
                         PreparedStatement update = app.prepareStatement(
                                 "UPDATE shop.customer SET version = version + 1, note = ? WHERE id = ?")) {
                        app.setAutoCommit(false);
                        for (int t = 0; t < transactionsEach; t++) {
                            boolean rollback = random.nextInt(5) == 0;
                            int first = 101 + random.nextInt(18);
                            int rows = 1 + random.nextInt(3);
                            for (int id = first; id < first + rows; id++) { // ascending: no deadlocks
                                update.setString(1, (rollback ? "rolled back " : "writer ") + writer + "/" + t);
                                update.setInt(2, id);
                                update.executeUpdate();
                            }
                            if (rollback) {
                                app.rollback();
                            }
                            else {
                                app.commit();
                                committed += rows;
                            }
                        }
                    }
                    return committed;
                }));
            }
            int committed = 0;
            for (Future<Integer> result : results) {
                committed += result.get();
            }
            return committed;
        }
        finally {
            pool.shutdownNow();
        }
    }

    @Test
    void dryRunPrintsTheSqlWithTheRolePasswordMaskedAndChangesNothing() throws Exception {
        Legacy legacy = new Legacy();
        String before = legacy.catalog();

        Outcome dry = legacy.attach("--create-role", legacy.relayRole, "--capture-table", "shop.customer", "--dry-run");

        assertThat(dry.exitCode()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("CREATE TABLE IF NOT EXISTS outbox.event", "CREATE PUBLICATION outbox_publication",
                "CREATE OR REPLACE FUNCTION outbox.capture_change()",
                "CREATE ROLE " + legacy.relayRole + " WITH LOGIN REPLICATION NOSUPERUSER",
                "ALTER ROLE " + legacy.relayRole + " PASSWORD '****'",
                "GRANT USAGE ON SCHEMA outbox TO " + legacy.relayRole,
                "CREATE TRIGGER outbox_capture AFTER INSERT OR UPDATE OR DELETE ON shop.customer FOR EACH ROW"
                        + " EXECUTE FUNCTION outbox.capture_change()")
                .doesNotContain(ROLE_PASSWORD);
        Outcome snapshotting = legacy.cli(Map.of("RELAY_ROLE_PASSWORD", ROLE_PASSWORD), "attach", "--config",
                legacy.config(Map.of("snapshot.mode", "initial")).toString(), "--create-role", legacy.relayRole, "--dry-run");
        assertThat(snapshotting.out()).as("a snapshot reads the table").contains("GRANT SELECT ON TABLE outbox.event TO " + legacy.relayRole);
        assertThat(legacy.catalog()).isEqualTo(before);
        assertThat(legacy.rows("SELECT count(*) FROM pg_roles WHERE rolname = '" + legacy.relayRole + "'")).containsExactly("0");
    }

    @Test
    void detachRefusesWhileTheRelayRunsAndWhileEventsAreUnrelayedAndOtherwiseDropsSlotPublicationAndTriggers()
            throws Exception {
        Legacy legacy = new Legacy();
        assertThat(legacy.attach("--capture-table", "shop.customer").exitCode()).isZero();
        String topic = legacy.fixture.topic("customer");
        String slot = legacy.fixture.relayConfig().get(RelayConfig.SLOT_NAME);

        try (Relay ignored = Relay.start(legacy.fixture.relayConfig())) {
            Outcome running = legacy.detach("--force");
            assertThat(running.exitCode()).isEqualTo(RelayCli.EXIT_STARTUP);
            assertThat(running.err().strip()).matches("error: replication slot " + slot
                    + " is in use by process \\d+ \\(a relay is running\\): stop the relay, then run detach again");
            legacy.fixture.sql("UPDATE shop.customer SET version = version + 1 WHERE id <= 3");
            await().atMost(Duration.ofSeconds(60)).until(() -> legacy.fixture.endOffsetSum(List.of(topic)) >= 3);
        }
        // the relay's heartbeat is in the publication but is no event: it must not count as one not yet relayed
        legacy.fixture.sql(OutboxSchema.HEARTBEAT_SQL);
        legacy.fixture.sql("UPDATE shop.customer SET version = version + 1 WHERE id <= 2");
        legacy.fixture.sql("UPDATE shop.customer SET version = version + 1 WHERE id = 3");
        legacy.fixture.sql(OutboxSchema.HEARTBEAT_SQL);

        Outcome unrelayed = legacy.detach();
        assertThat(unrelayed.exitCode()).isEqualTo(RelayCli.EXIT_STARTUP);
        assertThat(unrelayed.err().strip()).isEqualTo("error: replication slot " + slot + " still holds 3 outbox events"
                + " not yet relayed: run the relay until it has caught up, or pass --force to drop them");
        assertThat(legacy.rows("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'"))
                .as("refusing changed nothing").containsExactly("1");

        try (Relay ignored = Relay.start(legacy.fixture.relayConfig())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> legacy.fixture.endOffsetSum(List.of(topic)) >= 6);
        }
        legacy.fixture.sql(OutboxSchema.HEARTBEAT_SQL); // as a relay stopping right after a heartbeat leaves it (new-user trial)
        Outcome detached = legacy.detach();

        assertThat(detached.exitCode()).as(detached.err()).isZero();
        assertThat(detached.out()).contains("dropped replication slot " + slot, "dropped publication outbox_publication",
                "dropped capture trigger outbox_capture on shop.customer", "kept: table outbox.event with its 6 rows");
        assertThat(legacy.rows("SELECT (SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "')"
                + " + (SELECT count(*) FROM pg_publication) + (SELECT count(*) FROM pg_trigger WHERE tgname = 'outbox_capture')"))
                .containsExactly("0");
        assertThat(legacy.rows("SELECT count(*) FROM outbox.event")).containsExactly("6");
        assertThat(legacy.detach().out()).contains("already absent: replication slot " + slot,
                "already absent: publication outbox_publication");
    }

    @Test
    void detachWithForceDropsASlotHoldingUnrelayedEventsKeepsTheRowsAndCanDropTheRole() throws Exception {
        Legacy legacy = new Legacy();
        assertThat(legacy.attach("--create-role", legacy.relayRole, "--capture-table", "shop.customer").exitCode()).isZero();
        String slot = legacy.fixture.relayConfig().get(RelayConfig.SLOT_NAME); // created by attach
        legacy.fixture.sql("DELETE FROM shop.customer WHERE id <= 4");

        Outcome dry = legacy.detach("--force", "--dry-run", "--drop-role", legacy.relayRole);
        assertThat(dry.exitCode()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("SELECT pg_drop_replication_slot('" + slot + "')", "DROP PUBLICATION outbox_publication",
                "DROP TRIGGER outbox_capture ON shop.customer", "DROP ROLE " + legacy.relayRole);
        Outcome forced = legacy.detach("--force", "--drop-role", legacy.relayRole);

        assertThat(forced.exitCode()).as(forced.err()).isZero();
        assertThat(forced.out()).contains("dropping replication slot " + slot + " with up to 4 outbox events not yet relayed (--force)",
                "dropped replication slot " + slot, "dropped role " + legacy.relayRole, "kept: table outbox.event with its 4 rows");
        assertThat(legacy.rows("SELECT count(*) FROM pg_roles WHERE rolname = '" + legacy.relayRole + "'")).containsExactly("0");
        assertThat(legacy.rows("SELECT count(*) FROM pg_trigger WHERE tgname = 'outbox_capture'")).containsExactly("0");
        try (Connection app = legacy.asApp(); Statement st = app.createStatement()) {
            st.execute("DELETE FROM shop.customer WHERE id = 5");
        }
        assertThat(legacy.rows("SELECT count(*) FROM outbox.event")).as("no more capture").containsExactly("4");
    }

    @Test
    void rejectsMaliciousOrMissingTableNamesAndTablesWithoutPrimaryKeyAndQuotesOddNamesSafely() throws Exception {
        Legacy legacy = new Legacy();
        legacy.fixture.sql("CREATE TABLE shop.x (id int PRIMARY KEY);"
                + " CREATE TABLE shop.\"odd \"\"name\"\".x; DROP TABLE shop.x\" (id int PRIMARY KEY)");
        String before = legacy.catalog();

        Outcome injection = legacy.attach("--capture-table", "shop.x; DROP TABLE shop.x");
        assertThat(injection.exitCode()).isEqualTo(RelayCli.EXIT_CONFIG);
        assertThat(injection.err().strip()).startsWith("error: --capture-table 'shop.x; DROP TABLE shop.x' is not schema.table: ");

        Outcome noPassword = legacy.cli(Map.of(), "attach", "--config", legacy.config(Map.of()).toString(),
                "--create-role", legacy.relayRole);
        assertThat(noPassword.exitCode()).isEqualTo(RelayCli.EXIT_CONFIG);
        assertThat(noPassword.err().strip()).isEqualTo("error: role '" + legacy.relayRole
                + "' does not exist: set its password in RELAY_ROLE_PASSWORD to create it");

        Outcome missing = legacy.attach("--capture-table", "shop.\"X\"");
        assertThat(missing.exitCode()).isEqualTo(RelayCli.EXIT_STARTUP);
        assertThat(missing.err().strip()).startsWith("error: table shop.\"X\" does not exist in ");

        Outcome noKey = legacy.attach("--capture-table", "shop.customer", "--capture-table", "shop.audit_log");
        assertThat(noKey.exitCode()).isEqualTo(RelayCli.EXIT_STARTUP);
        assertThat(noKey.err().strip()).startsWith("error: table shop.audit_log has no primary key: ");
        assertThat(legacy.catalog()).as("refused before changing anything").isEqualTo(before);

        Outcome odd = legacy.attach("--capture-table", "shop.\"odd \"\"name\"\".x; DROP TABLE shop.x\"");
        assertThat(odd.exitCode()).as(odd.err()).isZero();
        assertThat(odd.out()).contains("created capture trigger outbox_capture on shop.\"odd \"\"name\"\".x; DROP TABLE shop.x\"");
        legacy.fixture.sql("INSERT INTO shop.\"odd \"\"name\"\".x; DROP TABLE shop.x\" VALUES (1)");
        assertThat(legacy.rows("SELECT aggregate_type || ' ' || aggregate_id FROM outbox.event"))
                .containsExactly("odd \"name\".x; DROP TABLE shop.x 1");
        assertThat(legacy.rows("SELECT to_regclass('shop.x') IS NOT NULL")).containsExactly("t");
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
