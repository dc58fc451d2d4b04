package io.outboxrelay.legacy.load;

import static io.outboxrelay.legacy.LegacyTestDatabase.count;
import static io.outboxrelay.legacy.LegacyTestDatabase.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.outboxrelay.legacy.LegacyDatabase;
import io.outboxrelay.legacy.LegacySchema;
import io.outboxrelay.legacy.LegacyTestDatabase;
import io.outboxrelay.legacy.order.SeedData;

class OrderLoadIntegrationTests {

    @Test
    void concurrentLoadPlacesExactlyTheRequestedOrders() throws Exception {
        try (HikariDataSource pool = seededPool("load_count", 4)) {
            AtomicLong calls = new AtomicLong();
            AtomicLong highest = new AtomicLong();
            OrderLoad load = new OrderLoad(pool, new OrderLoad.Plan(500, 4, 0));

            OrderLoad.Result result = load.run(placed -> {
                calls.incrementAndGet();
                highest.accumulateAndGet(placed, Math::max);
            });

            assertThat(result.orders()).isEqualTo(500);
            assertThat(new HashSet<>(result.orderIds())).hasSize(500);
            assertThat(calls.get()).isEqualTo(500);
            assertThat(highest.get()).isEqualTo(500);
            assertThat(load.progressLine()).startsWith("placed 500/500 orders (");
            assertThat(count(pool, "SELECT count(*) FROM legacy.orders")).isEqualTo(500);
            assertThat(count(pool, "SELECT count(*) FROM legacy.order_lines")).isEqualTo(result.lines());
            assertThat(count(pool, "SELECT count(*) FROM outbox.event")).isEqualTo(500);
            assertThat(rows(pool, "SELECT aggregate_id FROM outbox.event WHERE aggregate_type = 'Order'"
                    + " AND event_type = 'OrderPlaced'"))
                    .containsExactlyInAnyOrderElementsOf(result.orderIds().stream().map(Object::toString).toList());
            assertThat(rows(pool, "SELECT min(n) || '-' || max(n) FROM (SELECT count(*) n FROM legacy.order_lines"
                    + " GROUP BY order_id) t")).allSatisfy(range -> assertThat(range).matches("[1-5]-[1-5]"));
            // every event says what its order row says
            assertThat(count(pool, "SELECT count(*) FROM outbox.event e JOIN legacy.orders o ON o.id::text = e.aggregate_id"
                    + " WHERE e.payload->>'total' = o.total::text AND (e.payload->>'version')::int = o.version"
                    + " AND jsonb_array_length(e.payload->'lines') = (SELECT count(*) FROM legacy.order_lines l"
                    + " WHERE l.order_id = o.id)")).isEqualTo(500);
        }
    }

    @Test
    void targetRateIsHeldAcrossClients() throws Exception {
        try (HikariDataSource pool = seededPool("load_rate", 4)) {
            OrderLoad.Result result = new OrderLoad(pool, new OrderLoad.Plan(100, 4, 250)).run(placed -> { });

            assertThat(result.orders()).isEqualTo(100);
            // the 100th order is due 99/250 s after the start
            assertThat(result.elapsed()).isBetween(Duration.ofMillis(390), Duration.ofSeconds(5));
            assertThat(result.ordersPerSecond()).isLessThan(260);
        }
    }

    @Test
    void stopEndsAnUnboundedLoadWithEveryPlacedOrderCommitted() throws Exception {
        try (HikariDataSource pool = seededPool("load_stop", 2)) {
            AtomicLong placed = new AtomicLong();
            OrderLoad load = new OrderLoad(pool, new OrderLoad.Plan(0, 2, 200));
            CompletableFuture<OrderLoad.Result> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return load.run(placed::set);
                }
                catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> placed.get() >= 20);

            load.stop();
            OrderLoad.Result result = running.get(5, TimeUnit.SECONDS);

            assertThat(result.orders()).isGreaterThanOrEqualTo(20);
            assertThat(count(pool, "SELECT count(*) FROM legacy.orders")).isEqualTo(result.orders());
            assertThat(count(pool, "SELECT count(*) FROM outbox.event")).isEqualTo(result.orders());
            assertThat(load.progressLine()).matches("placed [\\d,]+ orders \\([\\d,]+/s\\)");
        }
    }

    @Test
    void loadWithoutCustomersOrProductsSaysHowToSeed() {
        DataSource ds = LegacyTestDatabase.migrated("load_empty");

        assertThatThrownBy(() -> new OrderLoad(ds, new OrderLoad.Plan(10, 1, 0)).run(placed -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("legacy.customers is empty: insert customers and products first (SeedData.insert)");
    }

    /** A migrated, seeded database behind a HikariCP pool built from its JDBC URL, as production does. */
    private static HikariDataSource seededPool(String prefix, int size) throws Exception {
        String database = LegacyTestDatabase.createDatabase(prefix);
        HikariDataSource pool = LegacyDatabase.pool(LegacyTestDatabase.postgres().jdbcUrl(database),
                LegacyTestDatabase.postgres().superuser(), LegacyTestDatabase.postgres().superuserPassword(), size);
        LegacySchema.migrate(pool);
        SeedData.insert(pool, 50, 100, 7);
        return pool;
    }
}
