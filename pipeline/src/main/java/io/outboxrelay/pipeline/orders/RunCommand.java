package io.outboxrelay.pipeline.orders;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.outboxrelay.consumers.compensation.OrderCompensation;
import io.outboxrelay.consumers.payment.PaymentProcessor;
import io.outboxrelay.consumers.payment.SimulatedGateway;
import io.outboxrelay.consumers.projection.OrderReadModel;
import io.outboxrelay.consumers.runtime.ConsumerSettings;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.consumers.runtime.EventHandler;
import io.outboxrelay.legacy.LegacySchema;
import io.outboxrelay.legacy.load.OrderLoad;
import io.outboxrelay.legacy.order.OrderService;
import io.outboxrelay.legacy.order.SeedData;
import io.outboxrelay.relay.Relay;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole pipeline on embedded PostgreSQL and Kafka: the legacy order system places orders, a
 * relay per outbox ships the events, the read model projects them, the payment processor reserves
 * credit and charges, and compensation cancels orders whose payment failed. Ends with a summary
 * and exit code 1 if any invariant does not hold.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Place orders in the legacy system and follow them through relay, read model, payments and compensation.",
        footer = {"", "Examples:", "  outbox-pipeline run", "  outbox-pipeline run --orders 10000 --failure-rate 0.2 --json"})
public final class RunCommand implements Callable<Integer> {

    @Option(names = "--orders", defaultValue = "3000", description = "Orders to place (default ${DEFAULT-VALUE}).")
    int orders;

    @Option(names = "--clients", defaultValue = "4", description = "Concurrent order clients (default ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--rate", defaultValue = "0", description = "Orders per second, 0 = as fast as possible (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--failure-rate", defaultValue = "0.1",
            description = "Share of charges the simulated gateway declines (default ${DEFAULT-VALUE}).")
    double failureRate;

    @Option(names = "--customers", defaultValue = "200", description = "Customers to seed (default ${DEFAULT-VALUE}).")
    int customers;

    @Option(names = "--json", description = "Print the summary as JSON on stdout (progress goes to stderr).")
    boolean json;

    @Option(names = "--timeout", defaultValue = "PT5M", description = "How long to wait for the pipeline to settle (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        PrintStream progress = json ? System.err : System.out;
        progress.println("Starting PostgreSQL (wal_level=logical) and Kafka (KRaft, in-process)...");
        try (PostgresInstance postgres = Infrastructure.startPostgres(); KafkaInstance kafka = Infrastructure.startKafka();
             Services services = new Services(postgres, kafka)) {
            DataSource legacy = services.database("legacy", clients + 4);
            DataSource payments = services.database("payments", 2);
            DataSource readModel = services.database("readmodel", 2);
            LegacySchema.migrate(legacy);
            SeedData.insert(legacy, customers, 50, 42);
            PaymentProcessor.migrate(payments);
            PaymentProcessor.importCredit(legacy, payments);
            OrderReadModel.migrate(readModel, OrderReadModel.SCHEMA);
            OrderCompensation.migrate(legacy);

            Relay legacyRelay = services.relay("legacy");
            Relay paymentsRelay = services.relay("payments");
            SimulatedGateway gateway = new SimulatedGateway(failureRate, Duration.ZERO, 7);
            String bootstrap = kafka.bootstrapServers();
            services.consumer(consumer(services, bootstrap, "read-model", OrderReadModel.SCHEMA, "outbox.Order",
                    services.consumerPool("readmodel", "read-model"), new OrderReadModel(OrderReadModel.SCHEMA)));
            services.consumer(consumer(services, bootstrap, "payments", PaymentProcessor.SCHEMA, "outbox.Order",
                    services.consumerPool("payments", "payments"), new PaymentProcessor(gateway)));
            services.consumer(consumer(services, bootstrap, "compensation", OrderCompensation.SCHEMA, "outbox.Payment",
                    services.consumerPool("legacy", "compensation"), new OrderCompensation(new OrderService(legacy))));
            progress.printf("Relays, read model, payments and compensation running; placing %,d orders from %d clients%n",
                    orders, clients);

            Invariants invariants = new Invariants(legacy, payments, readModel);
            long start = System.nanoTime();
            OrderLoad load = new OrderLoad(legacy, new OrderLoad.Plan(orders, clients, rate));
            CompletableFuture<OrderLoad.Result> placing = CompletableFuture.supplyAsync(() -> {
                try {
                    return load.run(n -> { });
                }
                catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Map<String, Long> summary = settle(placing, load, invariants, legacyRelay, paymentsRelay, progress);
            placing.join();
            summary.put("gateway_repeated_requests", gateway.requestCount() - gateway.chargedKeys());
            summary.put("elapsed_ms", (System.nanoTime() - start) / 1_000_000);
            boolean ok = Invariants.holds(summary);
            print(summary, ok, progress);
            return ok ? 0 : 1;
        }
    }

    /** Follows the pipeline until every invariant holds twice in a row, or the timeout. */
    private Map<String, Long> settle(CompletableFuture<OrderLoad.Result> placing, OrderLoad load, Invariants invariants,
                                     Relay legacyRelay, Relay paymentsRelay, PrintStream progress) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int stableRounds = 0;
        Map<String, Long> m;
        while (true) {
            Thread.sleep(1000);
            m = invariants.measure(legacyRelay.stats().relayed() + paymentsRelay.stats().relayed());
            progress.printf("  %s  relayed %,d  projected %,d  payments %,d ok / %,d failed / %,d rejected  cancelled %,d%n",
                    load.progressLine(), m.get("events_relayed"), m.get("read_model_orders"), m.get("payments_completed"),
                    m.get("payments_failed"), m.get("credit_rejected"), m.get("orders_cancelled"));
            boolean done = placing.isDone() && Invariants.holds(m) && m.get("orders_placed") == orders;
            stableRounds = done ? stableRounds + 1 : 0;
            if (stableRounds >= 2 || System.nanoTime() > deadline || placing.isCompletedExceptionally()) {
                return m;
            }
        }
    }

    private static EventConsumer consumer(Services services, String bootstrap, String group, String schema, String topic,
                                          DataSource db, EventHandler handler) {
        ConsumerSettings settings = ConsumerSettings.builder(bootstrap, group, schema).topics(List.of(topic)).build();
        return new EventConsumer(settings, db, handler, services.metrics);
    }

    private void print(Map<String, Long> summary, boolean ok, PrintStream progress) throws Exception {
        if (json) {
            Map<String, Object> out = new java.util.LinkedHashMap<>(summary);
            out.put("ok", ok);
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
            return;
        }
        progress.println("Summary:");
        summary.forEach((k, v) -> progress.printf("  %-26s %,d%n", k, v));
        progress.println(ok ? "OK: read model equals the legacy database, one outcome per order, failed orders cancelled,"
                + " no credit limit exceeded, no duplicate effect."
                : "FAILED: an invariant does not hold (see the counts above).");
    }
}
