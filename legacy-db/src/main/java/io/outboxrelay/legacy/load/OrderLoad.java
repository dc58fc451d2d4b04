package io.outboxrelay.legacy.load;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.legacy.order.Order;
import io.outboxrelay.legacy.order.OrderLine;
import io.outboxrelay.legacy.order.OrderService;

/**
 * Places orders the way the legacy system's clients do: several at once, each client on its own
 * connection, random customers and 1 to {@value #MAX_LINES} lines of random products, through
 * {@link OrderService} (so every order writes its {@code OrderPlaced} event). Runs once; any
 * failed order stops the whole load and is rethrown, since a load that silently placed fewer orders
 * than asked would make every count downstream wrong.
 */
public final class OrderLoad {

    public static final int MAX_LINES = 5;
    public static final int MAX_QUANTITY = 3;

    private static final Logger LOG = LoggerFactory.getLogger(OrderLoad.class);

    /**
     * @param orders          orders to place, 0 to run until {@link #stop()}
     * @param clients         concurrent clients, each a thread holding one connection
     * @param ordersPerSecond target rate over all clients, 0 for as fast as possible
     */
    public record Plan(int orders, int clients, double ordersPerSecond) {
        public Plan {
            if (orders < 0 || clients < 1 || !(ordersPerSecond >= 0) || Double.isInfinite(ordersPerSecond)) {
                throw new IllegalArgumentException("invalid order load plan " + this
                        + ": needs orders >= 0, clients >= 1 and a finite ordersPerSecond >= 0");
            }
        }
    }

    /** What the load placed; every id in {@code orderIds} is committed with its OrderPlaced event. */
    public record Result(List<UUID> orderIds, int lines, Duration elapsed) {
        public Result {
            orderIds = List.copyOf(orderIds);
        }

        public int orders() {
            return orderIds.size();
        }

        public double ordersPerSecond() {
            return rate(orders(), elapsed);
        }
    }

    private final DataSource dataSource;
    private final OrderService service;
    private final Plan plan;
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final AtomicLong tickets = new AtomicLong();
    private final AtomicInteger placed = new AtomicInteger();
    private final AtomicInteger lines = new AtomicInteger();
    private final Queue<UUID> orderIds = new ConcurrentLinkedQueue<>();
    private volatile long startNanos;
    private volatile long endNanos;

    public OrderLoad(DataSource dataSource, Plan plan) {
        this(dataSource, new OrderService(dataSource), plan);
    }

    /** @param dataSource gives each client its connection; size a pool to at least {@code plan.clients()} */
    public OrderLoad(DataSource dataSource, OrderService service, Plan plan) {
        this.dataSource = dataSource;
        this.service = service;
        this.plan = plan;
    }

    /**
     * Runs the plan to the end (or to {@link #stop()}). {@code progress} hears the placed count after
     * each commit, from the client threads.
     *
     * @throws IllegalStateException if there are no customers or products to order, or if called twice
     */
    public Result run(LongConsumer progress) throws SQLException, InterruptedException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("an OrderLoad runs once; create a new one");
        }
        List<UUID> customers = ids("legacy.customers");
        List<UUID> products = ids("legacy.products");
        LOG.info("placing {} orders from {} clients at {} ({} customers, {} products)",
                plan.orders() == 0 ? "unlimited" : plan.orders(), plan.clients(),
                plan.ordersPerSecond() == 0 ? "full speed" : plan.ordersPerSecond() + " orders/s", customers.size(),
                products.size());
        startNanos = System.nanoTime();
        Pacer pacer = new Pacer(plan.ordersPerSecond(), startNanos);
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(plan.clients(),
                r -> new Thread(r, "order-load-" + threadNumber.incrementAndGet()));
        try {
            List<Future<Void>> clients = new ArrayList<>();
            for (int i = 0; i < plan.clients(); i++) {
                clients.add(pool.submit(() -> placeUntilDone(customers, products, pacer, progress)));
            }
            awaitAll(clients);
        }
        finally {
            stop();
            pool.shutdownNow();
            endNanos = System.nanoTime();
        }
        Result result = new Result(new ArrayList<>(orderIds), lines.get(), Duration.ofNanos(endNanos - startNanos));
        LOG.info("{}", progressLine());
        return result;
    }

    /** Ends the load after the orders in flight; {@link #run} then returns what was placed. */
    public void stop() {
        stopSignal.countDown();
    }

    /** Like "placed 1,200/5,000 orders (412/s)", for a progress display; safe from any thread. */
    public String progressLine() {
        long start = startNanos;
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        return progressLine(placed.get(), plan.orders(), start == 0 ? Duration.ZERO : Duration.ofNanos(end - start));
    }

    static String progressLine(long placed, int target, Duration elapsed) {
        String count = target == 0 ? String.format(Locale.ROOT, "%,d", placed)
                : String.format(Locale.ROOT, "%,d/%,d", placed, target);
        return String.format(Locale.ROOT, "placed %s orders (%,.0f/s)", count, rate(placed, elapsed));
    }

    private Void placeUntilDone(List<UUID> customers, List<UUID> products, Pacer pacer, LongConsumer progress)
            throws SQLException, InterruptedException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try (Connection c = dataSource.getConnection()) {
            while (true) {
                long ticket = tickets.getAndIncrement();
                if (plan.orders() > 0 && ticket >= plan.orders() || !pacer.awaitTurn(ticket, stopSignal)) {
                    return null;
                }
                UUID customer = customers.get(random.nextInt(customers.size()));
                Order order = service.placeOrder(c, customer, randomLines(products, random));
                orderIds.add(order.id());
                lines.addAndGet(order.lines().size());
                progress.accept(placed.incrementAndGet());
            }
        }
        catch (Throwable failure) {
            stop(); // the other clients end too: the load has failed
            throw failure;
        }
    }

    /** Distinct products, as a customer orders a product once with a quantity. */
    private static List<OrderLine> randomLines(List<UUID> products, ThreadLocalRandom random) {
        int count = Math.min(random.nextInt(1, MAX_LINES + 1), products.size());
        return random.ints(0, products.size()).distinct().limit(count)
                .mapToObj(i -> new OrderLine(products.get(i), random.nextInt(1, MAX_QUANTITY + 1)))
                .toList();
    }

    private List<UUID> ids(String table) throws SQLException {
        List<UUID> ids = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM " + table + " ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getObject(1, UUID.class));
            }
        }
        if (ids.isEmpty()) {
            throw new IllegalStateException(table + " is empty: insert customers and products first (SeedData.insert)");
        }
        return ids;
    }

    /** Waits for every client; the first failure is rethrown as it was thrown, later ones suppressed in it. */
    private static void awaitAll(List<Future<Void>> clients) throws SQLException, InterruptedException {
        Throwable failure = null;
        for (Future<Void> client : clients) {
            try {
                client.get();
            }
            catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
                else {
                    failure.addSuppressed(e.getCause());
                }
            }
        }
        if (failure instanceof SQLException e) {
            throw e;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException("an order load client failed", failure);
        }
    }

    private static double rate(long count, Duration elapsed) {
        double seconds = elapsed.toNanos() / 1e9;
        return seconds <= 0 ? 0 : count / seconds;
    }
}
