package io.outboxrelay.bench.orders;

import java.io.PrintStream;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.outboxrelay.consumers.runtime.GroupOffsets;
import io.outboxrelay.legacy.load.OrderLoad;
import io.outboxrelay.legacy.order.OrderLine;
import io.outboxrelay.legacy.order.OrderService;
import io.outboxrelay.legacy.order.SeedData;
import io.outboxrelay.pipeline.orders.Pipeline;
import io.outboxrelay.pipeline.orders.RunCommand;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * End-to-end figures of the order pipeline: latency from an order's commit in the legacy database
 * to its row in the read model at a paced load, and the rate at which a new read model rebuilds
 * from the topic, beside a bare Kafka consumer reading the same topic (the baseline).
 */
@Command(name = "bench-orders", mixinStandardHelpOptions = true,
        description = "Measure order-commit-to-read-model latency and read-model replay rate on embedded PostgreSQL and Kafka.",
        footer = {"", "Examples:", "  outbox-bench bench-orders", "  outbox-bench bench-orders --orders 20000 --json"})
public final class OrdersBenchCommand implements Callable<Integer> {

    @Option(names = "--orders", defaultValue = "5000", description = "Orders placed before the replay (default ${DEFAULT-VALUE}).")
    int orders;

    @Option(names = "--latency-orders", defaultValue = "1000", description = "Paced orders timed end to end, per rate (default ${DEFAULT-VALUE}).")
    int latencyOrders;

    @Option(names = "--rate", split = ",", defaultValue = "50",
            description = "Pace(s) of the timed orders per second, e.g. 200,1000,2000: each rate is timed in turn (default ${DEFAULT-VALUE}).")
    List<Double> rates;

    @Option(names = "--replays", defaultValue = "1",
            description = "Replays to run, each by a new group into a new schema; the median is reported (default ${DEFAULT-VALUE}).")
    int replays;

    @Option(names = "--replay-jvm-options", defaultValue = "-Xmx256m",
            description = "Options of the replay's own JVM, space-separated (default ${DEFAULT-VALUE}).")
    String replayJvmOptions;

    @Option(names = "--payments", defaultValue = "5000",
            description = "Payments of the payment bench, once with a gateway of 0 ms and once of 20 ms; 0 skips it (default ${DEFAULT-VALUE}).")
    int payments;

    @Option(names = "--json", description = "Print the figures as JSON on stdout.")
    boolean json;

    private static final int LATENCY_CLIENTS = 4;
    private final ExecutorService placing = Executors.newFixedThreadPool(LATENCY_CLIENTS, r -> {
        Thread t = new Thread(r, "latency-client");
        t.setDaemon(true);
        return t;
    });

    /** When the last timed order of the current rate was placed. */
    private long placedUntil;

    @Override
    public Integer call() throws Exception {
        PrintStream progress = json ? System.err : System.out;
        Map<String, Object> out = new LinkedHashMap<>();
        try (PostgresInstance postgres = Infrastructure.startPostgres(); KafkaInstance kafka = Infrastructure.startKafka()) {
            try (Pipeline pipeline = Pipeline.start(postgres, kafka, 4, 500, 0.1);
                 Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
                progress.printf("placing %,d orders (also the warm-up)%n", orders);
                OrderLoad load = new OrderLoad(pipeline.legacyDb(), new OrderLoad.Plan(orders, 4, 0));
                CompletableFuture<OrderLoad.Result> placing = Pipeline.place(load);
                RunCommand.settle(placing, load, pipeline, orders, Duration.ofMinutes(10), progress);

                out.put("orders", orders);
                out.put("latency_orders", latencyOrders);
                List<Map<String, Object>> latencies = new ArrayList<>();
                for (double rate : rates) {
                    progress.printf("latency: %,d orders at %.0f/s, commit -> read-model row%n", latencyOrders, rate);
                    long started = System.nanoTime();
                    Histogram latency = latency(pipeline, rate);
                    Map<String, Object> l = new LinkedHashMap<>();
                    l.put("rate", rate);
                    // past what the clients can place, the achieved rate is lower than asked
                    l.put("achieved_rate", Math.round(latencyOrders / Math.max(1e-9, (placedUntil - started) / 1e9)));
                    l.put("p50_ms", latency.getValueAtPercentile(50) / 1000.0);
                    l.put("p99_ms", latency.getValueAtPercentile(99) / 1000.0);
                    l.put("max_ms", latency.getMaxValue() / 1000.0);
                    latencies.add(l);
                }
                out.put("latency", latencies);

                long events = GroupOffsets.endOffsets(admin, "outbox.Order");
                long rows = orders + (long) latencyOrders * rates.size();
                // the pipeline's consumers stay, idle: a new consumer is bootstrapped beside running ones
                List<double[]> runs = new ArrayList<>();
                for (int r = 1; r <= Math.max(1, replays); r++) {
                    progress.printf("replay %d of %d: a new read model in its own JVM (%s) rebuilds from %,d events on outbox.Order%n",
                            r, Math.max(1, replays), replayJvmOptions, events);
                    double[] run = ReplayProcess.inChild(List.of(replayJvmOptions.trim().split("\\s+")), kafka.bootstrapServers(),
                            postgres.jdbcUrl("readmodel"), postgres.superuser(), postgres.superuserPassword(), "read-model-bench-" + r,
                            "read_model_bench_" + r, "outbox.Order", rows, Duration.ofMinutes(10));
                    runs.add(run);
                    progress.printf("  %,.0f events/s, peak RSS %,.0f MiB%n", events / run[0], run[2] / 1024);
                }
                List<Long> each = runs.stream().map(x -> Math.round(events / x[0])).toList();
                runs.sort(Comparator.comparingDouble(x -> x[0]));
                double[] median = runs.get((runs.size() - 1) / 2); // of an even number, the faster middle one
                out.put("replay_events", events);
                out.put("replay_events_per_s", Math.round(events / median[0]));
                out.put("replay_startup_s", Math.round(median[1] * 100) / 100.0); // JVM, schema migration, group join, first transaction
                // start-up excluded: what a long replay approaches (a fresh JVM also compiles the consumer's code meanwhile)
                out.put("replay_events_per_s_after_first_row", Math.round(events / (median[0] - median[1])));
                out.put("replay_events_per_s_each", each);
                out.put("replay_jvm_options", replayJvmOptions);
                out.put("replay_peak_rss_mib", Math.round(runs.stream().mapToDouble(x -> x[2]).max().orElse(-1) / 1024));
                out.put("raw_consume_events_per_s", Math.round(events / rawRead(kafka, events)));
            }
            if (payments > 0) {
                for (int latencyMs : new int[] {0, 20}) {
                    progress.printf("payments: %,d, gateway latency %d ms%n", payments, latencyMs);
                    PaymentBench.Result result = PaymentBench.run(postgres, kafka, payments, Duration.ofMillis(latencyMs), progress);
                    progress.println("  " + result.describe());
                    out.putAll(result.figures("payments_" + latencyMs + "ms_"));
                }
            }
            report(out, progress);
            return 0;
        }
    }

    /** Places paced orders one by one and times each until the read model shows it (polled every 2 ms). */
    private Histogram latency(Pipeline pipeline, double rate) throws Exception {
        Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
        Map<UUID, Long> pending = new ConcurrentHashMap<>();
        CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> watch(pipeline, pending, histogram));
        SeedData.Catalog catalog = SeedData.generate(500, 50, 42);
        OrderService service = new OrderService(pipeline.legacyDb());
        // four clients, as the pipeline's pool is sized for: one alone places fewer than 1,000 orders/s
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int c = 0; c < LATENCY_CLIENTS; c++) {
            Random random = new Random(c);
            clients.add(CompletableFuture.runAsync(() -> {
                for (int i = next.getAndIncrement(); i < latencyOrders; i = next.getAndIncrement()) {
                    LockSupport.parkNanos(start + (long) (i * 1e9 / rate) - System.nanoTime());
                    UUID customer = catalog.customerIds().get(random.nextInt(catalog.customerIds().size()));
                    UUID product = catalog.productIds().get(random.nextInt(catalog.productIds().size()));
                    try {
                        pending.put(service.placeOrder(customer, List.of(new OrderLine(product, 1))).id(), System.nanoTime());
                    }
                    catch (SQLException e) {
                        throw new IllegalStateException("placing a timed order failed: " + e.getMessage(), e);
                    }
                }
            }, placing));
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).join();
        placedUntil = System.nanoTime();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        pending.put(new UUID(0, 0), -1L); // tells the watcher to stop
        watcher.join();
        return histogram;
    }

    private static void watch(Pipeline pipeline, Map<UUID, Long> pending, Histogram histogram) {
        try (Connection c = pipeline.readModelDb().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT order_id FROM read_model.order_view WHERE order_id = ANY (?)")) {
            while (!pending.containsKey(new UUID(0, 0))) {
                if (!pending.isEmpty()) {
                    Array ids = c.createArrayOf("uuid", pending.keySet().toArray());
                    ps.setArray(1, ids);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            Long committed = pending.remove((UUID) rs.getObject(1));
                            if (committed != null) {
                                histogram.recordValue(Math.max(1, (System.nanoTime() - committed) / 1000));
                            }
                        }
                    }
                }
                LockSupport.parkNanos(2_000_000);
            }
        }
        catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The baseline: a bare consumer reading the same events, doing nothing with them. */
    private static double rawRead(KafkaInstance kafka, long events) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "raw-" + UUID.randomUUID(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("outbox.Order"));
            long read = 0;
            long t0 = System.nanoTime();
            while (read < events) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    private void report(Map<String, Object> out, PrintStream progress) throws Exception {
        if (json) {
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
            return;
        }
        progress.printf("%nOrder pipeline bench: %,d orders, then %,d paced per rate%n", orders, latencyOrders);
        for (Object o : (List<?>) out.get("latency")) {
            Map<?, ?> l = (Map<?, ?>) o;
            progress.printf("latency order commit -> read-model row at %5.0f orders/s (achieved %,d) (ms):  p50 %.1f  p99 %.1f  max %.1f%n",
                    l.get("rate"), l.get("achieved_rate"), l.get("p50_ms"), l.get("p99_ms"), l.get("max_ms"));
        }
        progress.printf("replay of %,d events into a new read model (own JVM, %s): %,d events/s (%.2f s of it until the first row,"
                        + " %,d events/s after it; runs %s), peak RSS %,d MiB%n", out.get("replay_events"), out.get("replay_jvm_options"),
                out.get("replay_events_per_s"), out.get("replay_startup_s"), out.get("replay_events_per_s_after_first_row"),
                out.get("replay_events_per_s_each"), out.get("replay_peak_rss_mib"));
        progress.printf("baseline, bare consumer reading them: %,d events/s%n", out.get("raw_consume_events_per_s"));
        for (int latencyMs : new int[] {0, 20}) {
            String p = "payments_" + latencyMs + "ms_";
            if (out.containsKey(p + "payments")) {
                progress.printf("payments with a gateway of %2d ms: %,d events/s into PENDING, %,d payments/s resolved; %,d charges"
                                + " requested for %,d payments, %d repeated keys; replaying the group: %d charges requested%n",
                        latencyMs, out.get(p + "pending_per_s"), out.get(p + "resolved_per_s"), out.get(p + "charges_requested"),
                        out.get(p + "payments"), out.get(p + "repeated_keys"), out.get(p + "replay_charges_requested"));
            }
        }
    }
}
