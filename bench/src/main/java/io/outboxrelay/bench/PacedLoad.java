package io.outboxrelay.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Latency at a steady load: events are made available at a fixed pace (a fixed schedule, checked every
 * {@value #TICK_MICROS} µs: what is due is published at once, as one transaction), and a consumer in this
 * JVM notes when each arrives, matched on its event-id header. Both times come from this JVM's
 * {@link System#nanoTime()}: no clock skew. An event counts from the moment its transaction's commit
 * returned (or its send was called), until the consumer got it: commit-to-ack plus the consumer's fetch.
 */
final class PacedLoad implements AutoCloseable {

    /** Makes the events available (one transaction) and returns the nanoTime from which they count as available. */
    interface Publisher {
        long publish(List<UUID> eventIds) throws Exception;
    }

    /**
     * One load's figures; latencies in ms. {@code lost}: events that did not arrive within {@link #ARRIVAL_WAIT}
     * after the last was published (the contender could not keep up, or lost them).
     */
    record Result(double targetRate, double achievedRate, long samples, long lost, double p50, double p99,
                  double p999, double max) {
    }

    static final int TICK_MICROS = 2000;
    /** Largest transaction a tick writes; a writer that falls behind catches up in several. */
    private static final int MAX_TX = 2000;
    static final Duration ARRIVAL_WAIT = Duration.ofSeconds(30);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition partition;
    private final String header;
    private final Map<String, Long> arrivals = new ConcurrentHashMap<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;

    private PacedLoad(String bootstrapServers, String topic, String header) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
        // as a reader of exactly-once topics reads: an event counts once its transaction committed (the same for the others)
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.partition = new TopicPartition(topic, 0);
        this.header = header;
        this.thread = new Thread(this::poll, "bench-latency-consumer");
        this.thread.setDaemon(true);
    }

    /** Starts a consumer at the end of the topic's partition 0; returns once it is positioned there. */
    static PacedLoad start(String bootstrapServers, String topic, String header) throws InterruptedException {
        PacedLoad load = new PacedLoad(bootstrapServers, topic, header);
        load.thread.start();
        if (!load.ready.await(30, TimeUnit.SECONDS) || load.failure.get() != null) {
            load.close();
            throw new IllegalStateException("latency consumer could not start on " + topic + ": " + load.failure.get());
        }
        return load;
    }

    /** Publishes {@code ratePerSecond} events a second for {@code seconds}, then waits for them to arrive. */
    Result run(double ratePerSecond, double seconds, Publisher publisher) throws Exception {
        arrivals.clear();
        List<String> ids = new ArrayList<>();
        List<Long> published = new ArrayList<>();
        long total = Math.max(1, Math.round(ratePerSecond * seconds));
        long start = System.nanoTime();
        long tick = TimeUnit.MICROSECONDS.toNanos(TICK_MICROS);
        for (long next = start; ids.size() < total; next += tick) {
            long wait;
            while ((wait = next - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            long due = Math.min(total, (long) Math.floor((System.nanoTime() - start) / 1e9 * ratePerSecond) + 1);
            while (ids.size() < due) {
                int n = (int) Math.min(MAX_TX, due - ids.size());
                List<UUID> batch = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    batch.add(UUID.randomUUID());
                }
                long at = publisher.publish(batch);
                for (UUID id : batch) {
                    ids.add(id.toString());
                    published.add(at);
                }
            }
        }
        double achieved = ids.size() / ((System.nanoTime() - start) / 1e9);
        long deadline = System.nanoTime() + ARRIVAL_WAIT.toNanos();
        // by id, not by count: a contender writing in transactions may deliver the last events of the drain before this
        // load's (its drain counter counts a transaction marker as a record, so the drain ends a few events early)
        while (missing(ids) > 0 && System.nanoTime() < deadline && failure.get() == null) {
            Thread.sleep(50);
        }
        if (failure.get() != null) {
            throw new IllegalStateException("latency consumer failed: " + failure.get(), failure.get());
        }
        Histogram micros = new Histogram(3);
        long lost = 0;
        for (int i = 0; i < ids.size(); i++) {
            Long arrived = arrivals.get(ids.get(i));
            if (arrived == null) {
                lost++;
            }
            else {
                micros.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(arrived - published.get(i))));
            }
        }
        return new Result(ratePerSecond, achieved, micros.getTotalCount(), lost, ms(micros.getValueAtPercentile(50)),
                ms(micros.getValueAtPercentile(99)), ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()));
    }

    private long missing(List<String> ids) {
        return ids.stream().filter(id -> !arrivals.containsKey(id)).count();
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    private void poll() {
        try {
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition); // resolves the lazy seek now, before anything is published
            ready.countDown();
            while (running) {
                var records = consumer.poll(Duration.ofMillis(100));
                long now = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    Header id = r.headers().lastHeader(header);
                    if (id != null) {
                        arrivals.putIfAbsent(new String(id.value(), StandardCharsets.UTF_8), now);
                    }
                }
            }
        }
        catch (WakeupException e) {
            // close() asked us to stop
        }
        catch (RuntimeException e) {
            failure.set(e);
        }
        finally {
            ready.countDown();
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }
}
