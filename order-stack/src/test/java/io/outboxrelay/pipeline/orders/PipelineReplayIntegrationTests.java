package io.outboxrelay.pipeline.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

import io.outboxrelay.consumers.runtime.GroupOffsets;
import io.outboxrelay.legacy.load.OrderLoad;
import io.outboxrelay.relay.cli.ReplayCommand;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * A few thousand orders through the whole pipeline with payment failures injected, then replays:
 * the payment group from the beginning (no payment may happen again) and a brand-new read model
 * under a new group id (it must equal the live one).
 */
class PipelineReplayIntegrationTests {

    private static final int ORDERS = 2_000;

    @Test
    void everyInvariantHoldsAndReplayingRebuildsTheReadModelWithoutASecondPayment() throws Exception {
        try (PostgresInstance postgres = Infrastructure.startPostgres(); KafkaInstance kafka = Infrastructure.startKafka();
             Pipeline pipeline = Pipeline.start(postgres, kafka, 4, 200, 0.2);
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            OrderLoad load = new OrderLoad(pipeline.legacy, new OrderLoad.Plan(ORDERS, 4, 0));
            CompletableFuture<OrderLoad.Result> placing = Pipeline.place(load);
            Map<String, Long> settled = RunCommand.settle(placing, load, pipeline, ORDERS, Duration.ofMinutes(4), System.out);
            assertThat(Invariants.holds(settled)).as(settled.toString()).isTrue();
            assertThat(settled.get("orders_placed")).isEqualTo(ORDERS);
            assertThat(settled.get("payments_failed")).as("failures were injected").isPositive();

            // Replay the payments group from the beginning: every OrderPlaced arrives again.
            long requestsBefore = pipeline.gateway.requestCount();
            List<String> paymentsBefore = rows(pipeline.payments, "SELECT order_id::text || status || amount FROM payment.payment ORDER BY 1");
            pipeline.stopConsumer(Pipeline.PAYMENTS);
            int exit = new picocli.CommandLine(new ReplayCommand()).execute("--bootstrap-servers", kafka.bootstrapServers(),
                    "--group", Pipeline.PAYMENTS, "--topic", "outbox.Order", "--to-earliest");
            assertThat(exit).as("relay replay exit code").isZero();
            assertThat(GroupOffsets.lag(admin, Pipeline.PAYMENTS, "outbox.Order")).isEqualTo(GroupOffsets.endOffsets(admin, "outbox.Order"));
            pipeline.startConsumer(Pipeline.PAYMENTS);
            await().atMost(Duration.ofMinutes(2)).until(() -> GroupOffsets.lag(admin, Pipeline.PAYMENTS, "outbox.Order") == 0);

            assertThat(pipeline.gateway.requestCount()).as("no charge requested again").isEqualTo(requestsBefore);
            assertThat(rows(pipeline.payments, "SELECT order_id::text || status || amount FROM payment.payment ORDER BY 1"))
                    .isEqualTo(paymentsBefore);

            // A new read model, new group id, from the beginning: identical to the live one.
            pipeline.startReadModel("read-model-v2", "read_model_v2");
            await().atMost(Duration.ofMinutes(2)).until(() -> GroupOffsets.lag(admin, "read-model-v2", "outbox.Order") == 0);
            String view = "SELECT order_id::text || status || total || line_count || version || coalesce(cancel_reason, '')"
                    + " FROM %s.order_view ORDER BY 1";
            String summary = "SELECT customer_id::text || order_count || total || last_order_id FROM %s.customer_summary ORDER BY 1";
            assertThat(rows(pipeline.readModel, view.formatted("read_model_v2")))
                    .hasSize(ORDERS).isEqualTo(rows(pipeline.readModel, view.formatted("read_model")));
            assertThat(rows(pipeline.readModel, summary.formatted("read_model_v2")))
                    .isEqualTo(rows(pipeline.readModel, summary.formatted("read_model")));
            assertThat(Invariants.holds(pipeline.measure())).isTrue();
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
