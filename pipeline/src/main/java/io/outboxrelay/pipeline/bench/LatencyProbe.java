package io.outboxrelay.pipeline.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;

import io.outboxrelay.relay.routing.EventHeaders;

/**
 * End-to-end latency at a steady, low rate: events are made available one by one at a fixed pace,
 * and a consumer in this JVM notes when each arrives (matched on the eventId header). Both ends use
 * {@link System#nanoTime()} of this JVM, so no clock skew. The consumer only stamps arrival times;
 * latencies are computed after the run, so a record seen before its sender noted its time is no race.
 */
final class LatencyProbe implements AutoCloseable {

    /** Makes one event available and returns the nanoTime from which it counts as available. */
    interface Source {
        long publish(UUID eventId) throws Exception;
    }

    /** Percentiles in milliseconds; {@code lost} events never arrived within the wait. */
    record Result(int samples, int lost, double p50, double p90, double p99, double p999, double max, double mean) {
        static final Result NONE = new Result(0, 0, 0, 0, 0, 0, 0, 0);
    }

    private static final Duration ARRIVAL_WAIT = Duration.ofSeconds(30);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition partition;
    private final Map<String, Long> arrivals = new ConcurrentHashMap<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;

    private LatencyProbe(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        this.consumer = consumer;
        this.partition = new TopicPartition(topic, 0);
        this.thread = new Thread(this::poll, "bench-latency-consumer");
        this.thread.setDaemon(true);
    }

    /** Starts a consumer at the end of the topic's only partition; returns once it is positioned there. */
    static LatencyProbe start(BenchEnvironment env, String topic) throws InterruptedException {
        LatencyProbe probe = new LatencyProbe(env.consumer(), topic);
        probe.thread.start();
        if (!probe.ready.await(30, TimeUnit.SECONDS)) {
            probe.close();
            throw new IllegalStateException("latency consumer did not reach the end of " + topic + " in 30 s");
        }
        if (probe.failure.get() != null) {
            probe.close();
            throw new IllegalStateException("latency consumer failed: " + probe.failure.get(), probe.failure.get());
        }
        return probe;
    }

    /** Publishes {@code count} events, {@code ratePerSecond} of them a second, and waits for them to arrive. */
    Result measure(int count, int ratePerSecond, Source source) throws Exception {
        List<UUID> ids = new ArrayList<>(count);
        List<Long> published = new ArrayList<>(count);
        long interval = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            // a fixed schedule, not a fixed sleep: a slow publish does not lower the rate
            long wait;
            while ((wait = start + i * interval - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            UUID id = UUID.randomUUID();
            published.add(source.publish(id));
            ids.add(id);
        }
        long deadline = System.nanoTime() + ARRIVAL_WAIT.toNanos();
        while (arrivals.size() < count && System.nanoTime() < deadline && failure.get() == null) {
            Thread.sleep(10);
        }
        if (failure.get() != null) {
            throw new IllegalStateException("latency consumer failed: " + failure.get(), failure.get());
        }
        Histogram micros = new Histogram(3);
        int lost = 0;
        for (int i = 0; i < count; i++) {
            Long arrived = arrivals.get(ids.get(i).toString());
            if (arrived == null) {
                lost++;
            }
            else {
                micros.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(arrived - published.get(i))));
            }
        }
        return new Result((int) micros.getTotalCount(), lost, ms(micros.getValueAtPercentile(50)),
                ms(micros.getValueAtPercentile(90)), ms(micros.getValueAtPercentile(99)),
                ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()), micros.getMean() / 1000.0);
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
                    Header id = r.headers().lastHeader(EventHeaders.EVENT_ID);
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
