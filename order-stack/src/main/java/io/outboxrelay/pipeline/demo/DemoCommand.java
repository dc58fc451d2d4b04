package io.outboxrelay.pipeline.demo;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.postgresql.ds.PGSimpleDataSource;

import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.pipeline.EmbeddedRelayConfig;
import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.sql.OutboxHeaders;
import io.outboxrelay.sql.OutboxSchema;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Starts PostgreSQL and Kafka, attaches the relay, writes sample outbox events from concurrent
 * writers (some transactions rolled back) and shows them arriving in Kafka, then checks that every
 * committed event arrived exactly once and nothing rolled back did. Exit code 1 if not.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the pipeline on embedded PostgreSQL and Kafka with sample outbox events.",
        footer = {"", "Examples:", "  outbox-pipeline demo", "  outbox-pipeline demo --events 20000 --writers 8"})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--events", defaultValue = "5000", description = "Committed events to write (default ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--writers", defaultValue = "4", description = "Concurrent writers (default ${DEFAULT-VALUE}).")
    int writers;

    @Option(names = "--rollback-percent", defaultValue = "10",
            description = "Share of transactions rolled back (default ${DEFAULT-VALUE}).")
    int rollbackPercent;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        out.println("Starting PostgreSQL (wal_level=logical) and Kafka (KRaft, in-process)...");
        try (PostgresInstance postgres = Infrastructure.startPostgres(); KafkaInstance kafka = Infrastructure.startKafka()) {
            out.printf("  PostgreSQL on %s:%d, Kafka on %s (%.1f s)%n", postgres.host(), postgres.port(),
                    kafka.bootstrapServers(), seconds(t0));
            postgres.createDatabase("legacy");
            PGSimpleDataSource ds = dataSource(postgres);
            out.printf("Applied %d outbox-sql migrations to database 'legacy'%n", OutboxSchema.migrate(ds));
            try (Relay relay = Relay.start(relayConfig(postgres, kafka))) {
                out.println("Relay streaming from slot 'outbox_relay' to topics outbox.Order and outbox.Customer");
                return runLoad(ds, kafka, relay);
            }
        }
    }

    private int runLoad(PGSimpleDataSource ds, KafkaInstance kafka, Relay relay) throws Exception {
        AtomicLong committed = new AtomicLong();
        Map<UUID, Integer> received = new HashMap<>();
        AtomicBoolean consuming = new AtomicBoolean(true);
        ConsumerRecord<byte[], byte[]>[] sample = new ConsumerRecord[1];
        CompletableFuture<Void> consumer = CompletableFuture.runAsync(() -> consume(kafka, received, sample, consuming));
        SampleEventLoad.Plan plan = new SampleEventLoad.Plan(events, writers, 1, 100, rollbackPercent, 500, 120);
        CompletableFuture<SampleEventLoad.Result> load = CompletableFuture.supplyAsync(() -> {
            try {
                return new SampleEventLoad(ds).run(plan, committed::set);
            }
            catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long start = System.nanoTime();
        long deadline = start + Duration.ofMinutes(5).toNanos();
        while (!(load.isDone() && receivedCount(received) >= events) && System.nanoTime() < deadline
                && relay.state() == Relay.State.RUNNING) {
            Thread.sleep(500);
            out.printf("  written %,d/%,d  relayed %,d  consumed %,d%n", committed.get(), events,
                    relay.stats().relayed(), receivedCount(received));
        }
        SampleEventLoad.Result result = load.join();
        Thread.sleep(1000); // let a late duplicate show up, if there were one
        consuming.set(false);
        consumer.join();
        return summarize(result, received, sample[0], seconds(start));
    }

    private int summarize(SampleEventLoad.Result result, Map<UUID, Integer> received, ConsumerRecord<byte[], byte[]> sample,
                          double seconds) {
        Set<UUID> rolledBack = new HashSet<>(result.rolledBack());
        long lost;
        long duplicates;
        long leaked;
        synchronized (received) {
            lost = result.committed().stream().filter(w -> !received.containsKey(w.eventId())).count();
            duplicates = received.values().stream().mapToLong(n -> n - 1L).sum();
            leaked = received.keySet().stream().filter(rolledBack::contains).count();
        }
        if (sample != null) {
            out.printf("Sample record: topic=%s key=%s headers=%s%n  value=%.120s%n", sample.topic(), utf8(sample.key()),
                    headers(sample), utf8(sample.value()));
        }
        out.printf("Committed %,d events in %,d transactions (%,d events rolled back) in %.1f s%n",
                result.committed().size(), result.transactions(), result.rolledBack().size(), seconds);
        out.printf("Kafka received %,d distinct events: lost %d, duplicates %d, from rolled-back transactions %d%n",
                received.size(), lost, duplicates, leaked);
        boolean ok = lost == 0 && leaked == 0;
        out.println(ok ? "OK: every committed event arrived, nothing rolled back did." : "FAILED: see the counts above.");
        return ok ? 0 : 1;
    }

    private static void consume(KafkaInstance kafka, Map<UUID, Integer> received, ConsumerRecord<byte[], byte[]>[] sample,
                                AtomicBoolean consuming) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "demo-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 500);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(Pattern.compile("outbox\\.(Order|Customer)"));
            while (consuming.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Header id = r.headers().lastHeader(OutboxHeaders.EVENT_ID);
                    synchronized (received) {
                        received.merge(UUID.fromString(utf8(id.value())), 1, Integer::sum);
                    }
                    if (sample[0] == null) {
                        sample[0] = r;
                    }
                }
            }
        }
    }

    private static long receivedCount(Map<UUID, Integer> received) {
        synchronized (received) {
            return received.size();
        }
    }

    private static RelayConfig relayConfig(PostgresInstance postgres, KafkaInstance kafka) {
        return EmbeddedRelayConfig.of(postgres, kafka, "legacy", Map.of("offset.topic.replication.factor", "1"));
    }

    private static PGSimpleDataSource dataSource(PostgresInstance postgres) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(postgres.jdbcUrl("legacy"));
        ds.setUser(postgres.superuser());
        ds.setPassword(postgres.superuserPassword());
        ds.setReWriteBatchedInserts(true);
        return ds;
    }

    private static String headers(ConsumerRecord<byte[], byte[]> r) {
        StringBuilder sb = new StringBuilder("{");
        for (Header h : r.headers()) {
            sb.append(sb.length() > 1 ? ", " : "").append(h.key()).append('=').append(utf8(h.value()));
        }
        return sb.append('}').toString();
    }

    private static String utf8(byte[] bytes) {
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
