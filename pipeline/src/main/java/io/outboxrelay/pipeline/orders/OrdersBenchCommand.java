package io.outboxrelay.pipeline.orders;

import java.io.PrintStream;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.consumers.runtime.GroupOffsets;
import io.outboxrelay.legacy.load.OrderLoad;
import io.outboxrelay.legacy.order.OrderLine;
import io.outboxrelay.legacy.order.OrderService;
import io.outboxrelay.legacy.order.SeedData;
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
        footer = {"", "Examples:", "  outbox-pipeline bench-orders", "  outbox-pipeline bench-orders --orders 20000 --json"})
public final class OrdersBenchCommand implements Callable<Integer> {

    @Option(names = "--orders", defaultValue = "5000", description = "Orders placed before the replay (default ${DEFAULT-VALUE}).")
    int orders;

    @Option(names = "--latency-orders", defaultValue = "1000", description = "Paced orders timed end to end (default ${DEFAULT-VALUE}).")
    int latencyOrders;

    @Option(names = "--rate", defaultValue = "50", description = "Pace of the timed orders per second (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--replays", defaultValue = "1",
            description = "Replays to run, each by a new group into a new schema; the median is reported (default ${DEFAULT-VALUE}).")
    int replays;

    @Option(names = "--json", description = "Print the figures as JSON on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintStream progress = json ? System.err : System.out;
        try (PostgresInstance postgres = Infrastructure.startPostgres(); KafkaInstance kafka = Infrastructure.startKafka();
             Pipeline pipeline = Pipeline.start(postgres, kafka, 4, 500, 0.1);
             Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
            progress.printf("placing %,d orders (also the warm-up)%n", orders);
            OrderLoad load = new OrderLoad(pipeline.legacy, new OrderLoad.Plan(orders, 4, 0));
            CompletableFuture<OrderLoad.Result> placing = Pipeline.place(load);
            RunCommand.settle(placing, load, pipeline, orders, Duration.ofMinutes(10), progress);

            progress.printf("latency: %,d orders at %.0f/s, commit -> read-model row%n", latencyOrders, rate);
            Histogram latency = latency(pipeline);

            long events = GroupOffsets.endOffsets(admin, "outbox.Order");
            List<double[]> replays = new ArrayList<>();
            for (int r = 1; r <= replays(); r++) {
                progress.printf("replay %d of %d: a new read model rebuilds from %,d events on outbox.Order%n", r, replays(), events);
                replays.add(replay(pipeline, admin, "read-model-bench-" + r, "read_model_bench_" + r));
                progress.printf("  %,.0f events/s%n", events / replays.get(r - 1)[0]);
            }
            // the median run (of an odd number; the faster middle one of an even number)
            replays.sort(Comparator.comparingDouble(x -> x[0]));
            double replaySeconds = replays.get((replays.size() - 1) / 2)[0];
            double startupSeconds = replays.get((replays.size() - 1) / 2)[1];
            double rawSeconds = rawRead(kafka, events);

            Map<String, Object> out = new LinkedHashMap<>();
            out.put("orders", orders);
            out.put("latency_orders", latencyOrders);
            out.put("latency_rate", rate);
            out.put("latency_p50_ms", latency.getValueAtPercentile(50) / 1000.0);
            out.put("latency_p99_ms", latency.getValueAtPercentile(99) / 1000.0);
            out.put("latency_max_ms", latency.getMaxValue() / 1000.0);
            out.put("replay_events", events);
            out.put("replay_events_per_s", Math.round(events / replaySeconds));
            // start-up: schema migration, consumer start, joining the group, first poll and transaction
            out.put("replay_startup_s", Math.round(startupSeconds * 100) / 100.0);
            out.put("replay_runs", replays.size());
            out.put("replay_events_per_s_each", replays.stream().map(x -> Math.round(events / x[0])).toList());
            out.put("raw_consume_events_per_s", Math.round(events / rawSeconds));
            report(out, progress);
            return 0;
        }
    }

    /** Places paced orders one by one and times each until the read model shows it (polled every 2 ms). */
    private Histogram latency(Pipeline pipeline) throws Exception {
        Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
        Map<UUID, Long> pending = new ConcurrentHashMap<>();
        CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> watch(pipeline, pending, histogram));
        SeedData.Catalog catalog = SeedData.generate(500, 50, 42);
        OrderService service = new OrderService(pipeline.legacy);
        Random random = new Random(1);
        long start = System.nanoTime();
        for (int i = 0; i < latencyOrders; i++) {
            LockSupport.parkNanos(start + (long) (i * 1e9 / rate) - System.nanoTime());
            UUID customer = catalog.customerIds().get(random.nextInt(catalog.customerIds().size()));
            UUID product = catalog.productIds().get(random.nextInt(catalog.productIds().size()));
            UUID order = service.placeOrder(customer, List.of(new OrderLine(product, 1))).id();
            pending.put(order, System.nanoTime());
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        pending.put(new UUID(0, 0), -1L); // tells the watcher to stop
        watcher.join();
        return histogram;
    }

    private static void watch(Pipeline pipeline, Map<UUID, Long> pending, Histogram histogram) {
        try (Connection c = pipeline.readModel.getConnection();
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

    private int replays() {
        return Math.max(1, replays);
    }

    /**
     * A new read model under a new group rebuilds from the topic's beginning.
     *
     * @return seconds until it has every order and no lag, and of them seconds until its first row
     */
    private double[] replay(Pipeline pipeline, Admin admin, String group, String schema) throws Exception {
        long t0 = System.nanoTime();
        EventConsumer consumer = pipeline.startReadModel(group, schema);
        // Watched cheaply (a count(*) every 20 ms took a good share of a core from the replay it measured):
        // the first row by an EXISTS, then the group's lag, the rows counted only once the lag is 0.
        long firstRow = 0;
        while (firstRow == 0) {
            Thread.sleep(5);
            firstRow = exists(pipeline, schema) ? System.nanoTime() : 0;
        }
        while (GroupOffsets.lag(admin, group, "outbox.Order") > 0 || count(pipeline, schema) < orders + latencyOrders) {
            Thread.sleep(20);
        }
        long end = System.nanoTime();
        consumer.close();
        return new double[] {(end - t0) / 1e9, (firstRow - t0) / 1e9};
    }

    private static boolean exists(Pipeline pipeline, String schema) throws Exception {
        try (Connection c = pipeline.readModel.getConnection();
             ResultSet rs = c.createStatement().executeQuery("SELECT EXISTS (SELECT 1 FROM " + schema + ".order_view)")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static long count(Pipeline pipeline, String schema) throws Exception {
        try (Connection c = pipeline.readModel.getConnection();
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM " + schema + ".order_view")) {
            rs.next();
            return rs.getLong(1);
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
        progress.printf("%nOrder pipeline bench: %,d orders, then %,d paced at %.0f/s%n", orders, latencyOrders, rate);
        progress.printf("latency order commit -> read-model row (ms):  p50 %.1f  p99 %.1f  max %.1f%n",
                out.get("latency_p50_ms"), out.get("latency_p99_ms"), out.get("latency_max_ms"));
        progress.printf("replay of %,d events into a new read model:   %,d events/s (%.2f s of it until the first row)%n",
                out.get("replay_events"), out.get("replay_events_per_s"), out.get("replay_startup_s"));
        progress.printf("baseline, bare consumer reading them:          %,d events/s%n", out.get("raw_consume_events_per_s"));
    }
}
