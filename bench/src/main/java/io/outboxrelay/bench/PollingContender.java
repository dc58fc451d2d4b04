package io.outboxrelay.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.outboxrelay.sql.OutboxHeaders;


/**
 * A polling outbox publisher of the kind outbox libraries use (namastack-outbox, gruelbox
 * transaction-outbox, most hand-written ones): {@link PollingPublisher} in a child JVM selects
 * batches {@code FOR UPDATE SKIP LOCKED}, sends them with the relay's producer settings, waits for
 * the acknowledgements and deletes the rows.
 * <p>
 * ONE poller: {@code SKIP LOCKED} lets several pollers share a table, but then two batches of the
 * same aggregate are in flight at once and may reach Kafka in either order, which breaks the
 * per-aggregate order the relay guarantees; one poller is the fair comparison. Even one poller
 * sends in the order of the writing transactions' starts ({@code occurred_at}), not of their
 * commits: see {@link PollingPublisher}.
 * <p>
 * Defaults: batch {@value #DEFAULT_BATCH_SIZE} rows, idle poll every 50 ms. The libraries' own
 * defaults are made for light loads (namastack-outbox: 10 records every 2,000 ms; gruelbox: 4,096
 * per flush, called as often as the application schedules it), so they would measure the
 * configuration, not the approach.
 * <p>
 * It reads the outbox TABLE, not a slot: it publishes (and deletes) every row in it, also rows
 * written before {@link #start}. The bench must truncate {@code outbox.event} before its turn, and
 * nothing else may consume that table meanwhile. {@link #delivered()} counts the records on its topic
 * since {@link #start} (end offset of partition 0).
 */
final class PollingContender implements Contender {

    static final String NAME = "polling";

    static final int DEFAULT_BATCH_SIZE = 1000;
    static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(50);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final String topic;
    private final int batchSize;
    private final Duration pollInterval;
    private TopicCounter counter;
    private ChildJvm child;

    /** @param topic where it writes (one partition, created by the bench) */
    PollingContender(String topic) {
        this(topic, DEFAULT_BATCH_SIZE, DEFAULT_POLL_INTERVAL);
    }

    PollingContender(String topic, int batchSize, Duration pollInterval) {
        this.topic = topic;
        this.batchSize = batchSize;
        this.pollInterval = pollInterval;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "polling publisher, 1 poller: SELECT ... ORDER BY occurred_at, ctid LIMIT " + batchSize
                + " FOR UPDATE SKIP LOCKED, send, await acks, DELETE, commit; idle poll " + pollInterval.toMillis()
                + " ms; producer settings of the relay";
    }

    @Override
    public void start(BenchContext context) throws Exception {
        counter = new TopicCounter(context.bootstrapServers(), topic);
        try {
            launch(context);
        }
        catch (Exception | Error e) {
            try {
                close();
            }
            catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void launch(BenchContext context) throws InterruptedException {
        Map<String, String> settings = new HashMap<>(ChildSettings.database(context));
        settings.put(PollingPublisher.BOOTSTRAP, context.bootstrapServers());
        settings.put(PollingPublisher.TOPIC, topic);
        settings.put(PollingPublisher.BATCH_SIZE, String.valueOf(batchSize));
        settings.put(PollingPublisher.POLL_INTERVAL_MS, String.valueOf(pollInterval.toMillis()));
        Path file = ChildSettings.write(context.logDirectory().resolve("polling-publisher.properties"), settings);
        child = ChildJvm.launch(name(), context.jvmOptions(), PollingPublisher.class.getName(), List.of(file.toString()),
                ChildSettings.environment(context), context.logDirectory().resolve("polling-publisher.log"));
        child.awaitLog(log -> log.contains(PollingPublisher.READY), READY_TIMEOUT);
    }

    @Override
    public synchronized long delivered() {
        return counter.count();
    }

    @Override
    public String topic() {
        return topic;
    }

    @Override
    public String eventIdHeader() {
        return OutboxHeaders.EVENT_ID;
    }

    @Override
    public ChildJvm process() {
        return child;
    }

    @Override
    public synchronized void close() throws InterruptedException {
        try {
            if (child != null) {
                child.close();
            }
        }
        finally {
            if (counter != null) {
                counter.close();
            }
        }
    }
}
