package io.outboxrelay.bench.orders;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.Admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outboxrelay.consumers.projection.OrderReadModel;
import io.outboxrelay.consumers.runtime.ConsumerSettings;
import io.outboxrelay.consumers.runtime.DataSources;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.consumers.runtime.GroupOffsets;

/**
 * A new read model rebuilt from a topic by a consumer process of its own, as a user bootstraps a new consumer:
 * {@code bench-orders} starts it as a child JVM and reads the one JSON line it prints (seconds until caught up,
 * seconds until the first row, the process's peak resident memory). The password comes from {@code PGPASSWORD}.
 */
final class ReplayProcess {

    /** Arguments: bootstrap servers, JDBC URL, user, group, schema, topic, rows expected. */
    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        String bootstrap = args[0];
        String group = args[3];
        String schema = args[4];
        String topic = args[5];
        long rows = Long.parseLong(args[6]);
        try (HikariDataSource pool = DataSources.pooled(args[1], args[2], System.getenv().getOrDefault("PGPASSWORD", ""), group);
             Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            long t0 = System.nanoTime();
            OrderReadModel.migrate(pool, schema);
            EventConsumer consumer = new EventConsumer(ConsumerSettings.builder(bootstrap, group, schema).topics(List.of(topic)).build(),
                    pool, new OrderReadModel(schema), new SimpleMeterRegistry()).start();
            long firstRow = 0;
            while (firstRow == 0) {
                Thread.sleep(5);
                failIfStopped(consumer);
                firstRow = query(pool, "SELECT count(*) FROM (SELECT 1 FROM " + schema + ".order_view LIMIT 1) t") > 0 ? System.nanoTime() : 0;
            }
            // watched cheaply: a count(*) every few ms would take CPU from the replay it measures
            while (GroupOffsets.lag(admin, group, topic) > 0 || query(pool, "SELECT count(*) FROM " + schema + ".order_view") < rows) {
                failIfStopped(consumer);
                Thread.sleep(20);
            }
            long end = System.nanoTime();
            consumer.close();
            out.println(new ObjectMapper().writeValueAsString(Map.of("seconds", (end - t0) / 1e9, "first_row_seconds",
                    (firstRow - t0) / 1e9, "peak_rss_kib", peakRssKib().orElse(-1L))));
        }
        System.exit(0);
    }

    /**
     * Runs a replay in a child JVM with the bench's class path and {@code jvmOptions}.
     *
     * @return seconds until caught up, seconds until the first row, peak RSS in KiB (-1 where /proc is missing)
     */
    static double[] inChild(List<String> jvmOptions, String bootstrap, String jdbcUrl, String user, String password, String group,
                            String schema, String topic, long rows, Duration timeout) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ReplayProcess.class.getName(), bootstrap, jdbcUrl, user,
                group, schema, topic, String.valueOf(rows)));
        Path log = Files.createTempFile("replay-" + group, ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("PGPASSWORD", password);
        Process process = builder.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("the replay process " + (process.isAlive() ? "did not end within " + timeout
                        : "exited with " + process.exitValue()) + "; its output is in " + log);
            }
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            @SuppressWarnings("unchecked")
            Map<String, Number> result = new ObjectMapper().readValue(lines.stream().filter(l -> l.startsWith("{\"")).reduce((a, b) -> b)
                    .orElseThrow(() -> new IllegalStateException("the replay process printed no result; its output is in " + log)), Map.class);
            Files.delete(log);
            return new double[] {result.get("seconds").doubleValue(), result.get("first_row_seconds").doubleValue(),
                    result.get("peak_rss_kib").doubleValue()};
        }
        finally {
            process.destroyForcibly();
        }
    }

    private static void failIfStopped(EventConsumer consumer) {
        if (consumer.stopped().isDone()) {
            consumer.stopped().join(); // throws the failure
            throw new IllegalStateException("the replay consumer stopped before it caught up");
        }
    }

    private static long query(DataSource dataSource, String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            long value = rs.getLong(1);
            c.rollback(); // the consumer's pools are not auto-commit
            return value;
        }
    }

    /** VmHWM of /proc/self/status: the most resident memory the process ever had. */
    private static Optional<Long> peakRssKib() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM:"))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst();
        }
        catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private ReplayProcess() {
    }
}
