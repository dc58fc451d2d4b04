package io.outboxrelay.pipeline.orders;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.outboxrelay.consumers.ops.ConsumerEndpoint;
import io.outboxrelay.consumers.payment.PaymentCharger;
import io.outboxrelay.legacy.load.OrderLoad;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole pipeline on embedded PostgreSQL and Kafka: the legacy order system places orders, a
 * relay per outbox ships the events, the read model projects them, the payment processor reserves
 * credit and its charger charges and later settles (releasing the credit), and compensation cancels
 * orders whose payment failed. Ends with a summary
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

    @Option(names = "--customers", defaultValue = "1000",
            description = "Customers to seed; a charged order holds its customer's credit until it settles, so fewer customers means more rejections (default ${DEFAULT-VALUE}).")
    int customers;

    @Option(names = "--settle-after", defaultValue = "PT2S",
            description = "How long after a completed payment the simulated customer pays and the credit is released (default ${DEFAULT-VALUE}).")
    Duration settleAfter;

    @Option(names = "--json", description = "Print the summary as JSON on stdout (progress goes to stderr).")
    boolean json;

    @Option(names = "--postgres", paramLabel = "HOST:PORT", converter = HostPort.PostgresConverter.class,
            description = "Use this PostgreSQL (wal_level=logical) instead of starting one; it must not hold databases"
                    + " legacy, payments or readmodel yet.")
    HostPort externalPostgres;

    @Option(names = "--postgres-user", defaultValue = "postgres",
            description = "Role for --postgres: creates databases and replication slots (default ${DEFAULT-VALUE}).")
    String postgresUser;

    @Option(names = "--kafka", paramLabel = "BOOTSTRAP", description = "Use this Kafka instead of starting one.")
    String externalKafka;

    @Option(names = "--http-port", defaultValue = "0",
            description = "Port on 127.0.0.1 for the console page (relays and consumers) and the consumers' /metrics,"
                    + " /health/live, /health/ready and /status; 0 picks a free port, -1 disables the endpoint and the"
                    + " relays' own (default ${DEFAULT-VALUE}). The URL is printed.")
    int httpPort;

    @Option(names = "--timeout", defaultValue = "PT5M", description = "How long to wait for the pipeline to settle (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        PrintStream progress = json ? System.err : System.out;
        if (httpPort < -1 || httpPort > 65535) {
            System.err.println("error: --http-port must be -1, 0 or a port number up to 65535, not " + httpPort);
            return 2;
        }
        progress.println(externalPostgres == null || externalKafka == null
                ? "Starting PostgreSQL (wal_level=logical) and/or Kafka (KRaft, in-process)..." : "Using external PostgreSQL and Kafka");
        try (PostgresInstance postgres = postgres(); KafkaInstance kafka = externalKafka == null
                ? Infrastructure.startKafka() : ExternalInfrastructure.kafka(externalKafka);
             Pipeline pipeline = Pipeline.start(postgres, kafka, clients, customers, failureRate,
                     PaymentCharger.Settings.defaults().withSettleAfter(settleAfter), httpPort >= 0)) {
            if (httpPort >= 0) {
                try {
                    ConsumerEndpoint endpoint = pipeline.serve("127.0.0.1", httpPort);
                    progress.println("Console: " + endpoint.uri() + "/ (relays and consumers side by side; the consumers'"
                            + " /metrics, /health/live, /health/ready, /status there too)");
                }
                catch (UncheckedIOException e) {
                    System.err.println("error: " + e.getMessage() + "; --http-port -1 disables the endpoint");
                    return 2;
                }
            }
            progress.printf("Relays, read model, payments and compensation running; placing %,d orders from %d clients%n",
                    orders, clients);
            long start = System.nanoTime();
            OrderLoad load = new OrderLoad(pipeline.legacy, new OrderLoad.Plan(orders, clients, rate));
            CompletableFuture<OrderLoad.Result> placing = Pipeline.place(load);
            Map<String, Long> summary = settle(placing, load, pipeline, orders, timeout, progress);
            if (pipeline.failure().isDone()) {
                System.err.println("error: " + pipeline.failure().join());
                placing.cancel(true);
                return 1;
            }
            placing.join();
            summary.put("gateway_repeated_requests", pipeline.gateway.requestCount() - pipeline.gateway.chargedKeys());
            summary.put("elapsed_ms", (System.nanoTime() - start) / 1_000_000);
            boolean ok = Invariants.holds(summary);
            print(summary, ok, progress);
            return ok ? 0 : 1;
        }
    }

    /** The password of an external PostgreSQL comes from PGPASSWORD, never from the command line. */
    private PostgresInstance postgres() {
        if (externalPostgres == null) {
            return Infrastructure.startPostgres();
        }
        return ExternalInfrastructure.postgres(externalPostgres, postgresUser);
    }

    /** Follows the pipeline until every invariant holds twice in a row, or the timeout. */
    public static Map<String, Long> settle(CompletableFuture<?> placing, OrderLoad load, Pipeline pipeline, int orders,
                                           Duration timeout, PrintStream progress) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int stableRounds = 0;
        Map<String, Long> m;
        while (true) {
            Thread.sleep(1000);
            m = pipeline.measure();
            progress.printf("  %s  relayed %,d  projected %,d  payments %,d pending / %,d ok / %,d failed / %,d rejected"
                            + "  settled %,d  cancelled %,d  %s%n",
                    load.progressLine(), m.get("events_relayed"), m.get("read_model_orders"), m.get("payments_pending"),
                    m.get("payments_completed"), m.get("payments_failed"), m.get("credit_rejected"), m.get("payments_settled"),
                    m.get("orders_cancelled"), pipeline.lagLine());
            boolean done = placing.isDone() && Invariants.holds(m) && m.get("orders_placed") == orders;
            stableRounds = done ? stableRounds + 1 : 0;
            if (stableRounds >= 2 || System.nanoTime() > deadline || placing.isCompletedExceptionally()
                    || pipeline.failure().isDone()) {
                return m;
            }
        }
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
        progress.println(ok ? "OK: read model equals the legacy database, one outcome per order, none pending, failed orders cancelled,"
                + " no credit limit exceeded, credit held as the payments say, no duplicate effect."
                : "FAILED: an invariant does not hold (see the counts above).");
    }
}
