package io.outboxrelay.legacy;

import static io.outboxrelay.legacy.LegacyTestDatabase.createDatabase;
import static io.outboxrelay.legacy.LegacyTestDatabase.dataSource;
import static io.outboxrelay.legacy.LegacyTestDatabase.execute;
import static io.outboxrelay.legacy.LegacyTestDatabase.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.outboxrelay.sql.OutboxSchema;

class LegacySchemaIntegrationTests {

    @Test
    void migrateTwiceChangesNothing() throws Exception {
        DataSource ds = dataSource(createDatabase("schema_twice"));

        int outboxMigrations = OutboxSchema.migrate(dataSource(createDatabase("schema_outbox_only")));
        assertThat(LegacySchema.migrate(ds)).as("the outbox migrations + 1 legacy migration").isEqualTo(outboxMigrations + 1);
        String before = catalog(ds);
        assertThat(LegacySchema.migrate(ds)).isZero();

        assertThat(catalog(ds)).isEqualTo(before).contains("orders.status:text:NO", "order_lines.unit_price:numeric:NO");
        assertThat(rows(ds, "SELECT table_schema FROM information_schema.tables WHERE table_name = 'flyway_schema_history'"
                + " ORDER BY 1")).as("each schema keeps its own history").containsExactly("legacy", "outbox");
    }

    @Test
    void orderTablesAppliedByHandTwiceAreAdoptedByFlyway() throws Exception {
        DataSource ds = dataSource(createDatabase("schema_by_hand"));
        OutboxSchema.migrate(ds);
        List<Path> files;
        try (Stream<Path> list = Files.list(Path.of("src/main/resources/db/legacy"))) {
            files = list.sorted().toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("V1__order_tables.sql");
        for (int round = 0; round < 2; round++) {
            for (Path file : files) {
                execute(ds, Files.readString(file));
            }
        }
        String byHand = catalog(ds);

        assertThat(LegacySchema.migrate(ds)).as("V1 runs again over the hand-made tables").isEqualTo(1);

        assertThat(catalog(ds)).isEqualTo(byHand);
    }

    @Test
    void tablesRejectRowsThatBreakTheOrderRules() throws Exception {
        DataSource ds = LegacyTestDatabase.migrated("schema_constraints");
        execute(ds, "INSERT INTO legacy.customers VALUES ('00000000-0000-0000-0000-000000000001', 'c', 100)");
        execute(ds, "INSERT INTO legacy.products VALUES ('00000000-0000-0000-0000-000000000002', 'p', 5)");
        String order = "INSERT INTO legacy.orders (id, customer_id, status, total, currency, placed_at, cancelled_at, version)"
                + " VALUES ('00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000001', ";

        assertThatThrownBy(() -> execute(ds, order + "'SHIPPED', 5, 'EUR', now(), null, 1)"))
                .isInstanceOf(SQLException.class).hasMessageContaining("orders_status_check");
        assertThatThrownBy(() -> execute(ds, order + "'CANCELLED', 5, 'EUR', now(), null, 2)"))
                .isInstanceOf(SQLException.class).hasMessageContaining("orders_cancelled_at_matches_status");
        execute(ds, order + "'PLACED', 5, 'EUR', now(), null, 1)");
        assertThatThrownBy(() -> execute(ds, "INSERT INTO legacy.order_lines VALUES ('00000000-0000-0000-0000-000000000003',"
                + " 1, '00000000-0000-0000-0000-000000000002', 0, 5)"))
                .isInstanceOf(SQLException.class).hasMessageContaining("order_lines_quantity_check");
    }

    /** Columns and indexes of both schemas, and the publication: what a migration could change. */
    private static String catalog(DataSource ds) throws SQLException {
        return String.join("\n", rows(ds, "SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable"
                + " FROM information_schema.columns WHERE table_schema IN ('legacy', 'outbox')"
                + " AND table_name <> 'flyway_schema_history' ORDER BY 1"))
                + "\n" + String.join("\n", rows(ds, "SELECT schemaname || '.' || indexname FROM pg_indexes"
                + " WHERE schemaname IN ('legacy', 'outbox') AND tablename <> 'flyway_schema_history' ORDER BY 1"))
                + "\n" + String.join("\n", rows(ds, "SELECT c.conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
                + " JOIN pg_namespace n ON n.oid = t.relnamespace"
                + " WHERE n.nspname = 'legacy' AND t.relname <> 'flyway_schema_history' ORDER BY 1"))
                + "\n" + String.join("\n", rows(ds, "SELECT pubname FROM pg_publication ORDER BY 1"));
    }
}
