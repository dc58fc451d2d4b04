package io.outboxrelay.legacy.load;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import javax.sql.DataSource;

import io.outboxrelay.sql.OutboxWriter;
import io.outboxrelay.sql.OutboxWriter.NewEvent;

/**
 * Writes sample outbox events the way an application does, until the order domain exists: several
 * concurrent writers, transactions of random size, some rolled back. Each transaction locks the
 * aggregates it touches (as an application locks the rows it changes) and gives each event the
 * aggregate's next version, so for every aggregate the commit order is the version order, and the
 * committed versions are exactly 1..n. A checker can therefore tell lost, duplicated and
 * reordered events apart from what reached Kafka alone.
 */
public final class SampleEventLoad {

    /** An event that was committed. */
    public record Written(UUID eventId, String aggregateType, String aggregateId, long version) {
    }

    /** What the load did. */
    public record Result(List<Written> committed, List<UUID> rolledBack, int transactions) {
    }

    /**
     * @param events          committed events to write in total
     * @param writers         concurrent writer threads
     * @param minTxSize       fewest events in one transaction
     * @param maxTxSize       most events in one transaction
     * @param rollbackPercent share of transactions rolled back (0-100)
     * @param aggregates      number of distinct aggregates events are spread over
     * @param payloadBytes    approximate size of each payload
     */
    public record Plan(int events, int writers, int minTxSize, int maxTxSize, int rollbackPercent, int aggregates,
                       int payloadBytes) {
        public Plan {
            if (events < 0 || writers < 1 || minTxSize < 1 || maxTxSize < minTxSize || rollbackPercent < 0
                    || rollbackPercent > 100 || aggregates < 1 || payloadBytes < 0) {
                throw new IllegalArgumentException("invalid load plan " + this);
            }
        }
    }

    static final String[] AGGREGATE_TYPES = {"Order", "Customer"};

    private final DataSource dataSource;
    private final OutboxWriter writer;

    public SampleEventLoad(DataSource dataSource) {
        this(dataSource, OutboxWriter.Target.TABLE);
    }

    /** @param target rows of the outbox table, or logical decoding messages through outbox.emit */
    public SampleEventLoad(DataSource dataSource, OutboxWriter.Target target) {
        this.dataSource = dataSource;
        this.writer = new OutboxWriter(target);
    }

    /** Creates the sample aggregate table (idempotent) and makes sure {@code aggregates} rows exist. */
    public void prepare(int aggregates) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS sample");
            st.execute("CREATE TABLE IF NOT EXISTS sample.aggregate (id text PRIMARY KEY, type text NOT NULL,"
                    + " version bigint NOT NULL DEFAULT 0)");
            st.execute("INSERT INTO sample.aggregate (id, type) SELECT 'agg-' || i, CASE WHEN i % 2 = 0 THEN 'Order'"
                    + " ELSE 'Customer' END FROM generate_series(0, " + (aggregates - 1) + ") i ON CONFLICT DO NOTHING");
        }
    }

    /** Runs the plan to completion; {@code progress} hears the committed count after each commit. */
    public Result run(Plan plan, Consumer<Long> progress) throws Exception {
        prepare(plan.aggregates());
        AtomicInteger remaining = new AtomicInteger(plan.events());
        AtomicLong committedCount = new AtomicLong();
        List<Written> committed = Collections.synchronizedList(new ArrayList<>(plan.events()));
        List<UUID> rolledBack = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger transactions = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(plan.writers());
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < plan.writers(); w++) {
                int writerId = w;
                futures.add(pool.submit(() -> {
                    writeUntilDone(plan, writerId, remaining, committed, rolledBack, transactions, committedCount, progress);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
        finally {
            pool.shutdownNow();
        }
        return new Result(List.copyOf(committed), List.copyOf(rolledBack), transactions.get());
    }

    private void writeUntilDone(Plan plan, int writerId, AtomicInteger remaining, List<Written> committed,
                                List<UUID> rolledBack, AtomicInteger transactions, AtomicLong committedCount,
                                Consumer<Long> progress) throws SQLException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String padding = "x".repeat(Math.max(0, plan.payloadBytes() - 90));
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            while (true) {
                int size = random.nextInt(plan.minTxSize(), plan.maxTxSize() + 1);
                int taken = take(remaining, size);
                if (taken == 0) {
                    return;
                }
                boolean rollback = random.nextInt(100) < plan.rollbackPercent();
                List<Written> tx = writeTransaction(c, plan, writerId, taken, padding, random);
                transactions.incrementAndGet();
                if (rollback) {
                    c.rollback();
                    tx.forEach(w -> rolledBack.add(w.eventId()));
                    remaining.addAndGet(taken);
                }
                else {
                    c.commit();
                    committed.addAll(tx);
                    progress.accept(committedCount.addAndGet(taken));
                }
            }
        }
    }

    private List<Written> writeTransaction(Connection c, Plan plan, int writerId, int size, String padding,
                                           ThreadLocalRandom random) throws SQLException {
        List<String> ids = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            ids.add("agg-" + random.nextInt(plan.aggregates()));
        }
        Map<String, long[]> versions = lockAggregates(c, new TreeSet<>(ids));
        Map<String, String> types = new HashMap<>();
        versions.keySet().forEach(id -> types.put(id, typeOf(id)));
        List<NewEvent> events = new ArrayList<>(size);
        List<Written> written = new ArrayList<>(size);
        for (String id : ids) {
            long version = ++versions.get(id)[0];
            UUID eventId = UUID.randomUUID();
            String payload = "{\"aggregateId\":\"" + id + "\",\"version\":" + version + ",\"writer\":" + writerId
                    + ",\"pad\":\"" + padding + "\"}";
            events.add(new NewEvent(eventId, types.get(id), id, "SampleChanged", payload,
                    "trace-" + eventId.toString().substring(0, 8), null));
            written.add(new Written(eventId, types.get(id), id, version));
        }
        writer.write(c, events);
        try (PreparedStatement ps = c.prepareStatement("UPDATE sample.aggregate SET version = ? WHERE id = ?")) {
            for (Map.Entry<String, long[]> e : versions.entrySet()) {
                ps.setLong(1, e.getValue()[0]);
                ps.setString(2, e.getKey());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return written;
    }

    /** Locks in id order, so concurrent writers never deadlock. */
    private static Map<String, long[]> lockAggregates(Connection c, TreeSet<String> ids) throws SQLException {
        Map<String, long[]> versions = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, version FROM sample.aggregate WHERE id = ANY (?) ORDER BY id FOR UPDATE")) {
            Array array = c.createArrayOf("text", ids.toArray());
            ps.setArray(1, array);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.put(rs.getString(1), new long[] {rs.getLong(2)});
                }
            }
        }
        if (versions.size() != ids.size()) {
            throw new SQLException("sample.aggregate is missing rows: run prepare() first");
        }
        return versions;
    }

    static String typeOf(String aggregateId) {
        int index = Integer.parseInt(aggregateId.substring("agg-".length()));
        return AGGREGATE_TYPES[index % 2 == 0 ? 0 : 1];
    }

    private static int take(AtomicInteger remaining, int wanted) {
        while (true) {
            int left = remaining.get();
            if (left <= 0) {
                return 0;
            }
            int taken = Math.min(left, wanted);
            if (remaining.compareAndSet(left, left - taken)) {
                return taken;
            }
        }
    }
}
