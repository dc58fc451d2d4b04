package io.outboxrelay.faults;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.outboxrelay.sql.OutboxHeaders;


/**
 * Measures recovery: an outbox event written right after a fault, and the time until it is in Kafka. It is an
 * ordinary outbox event (aggregate {@code probe}, versions 1, 2, ... in commit order, on its own topic), so the
 * delivery check counts it like every other one.
 */
final class Probe implements AutoCloseable {

    static final String AGGREGATE_TYPE = "Probe";
    static final String AGGREGATE_ID = "probe";

    // the version is computed by the insert itself, so a commit whose outcome the client missed (the server
    // crashed) and the retry that follows still number the probe's events 1..n without a gap
    private static final String INSERT = "INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload)"
            + " SELECT ?, '" + AGGREGATE_TYPE + "', '" + AGGREGATE_ID + "', 'ProbeWritten',"
            + " jsonb_build_object('aggregateId', '" + AGGREGATE_ID + "', 'version', coalesce(max((payload->>'version')::bigint), 0) + 1)"
            + " FROM outbox.event WHERE aggregate_type = '" + AGGREGATE_TYPE + "' AND aggregate_id = '" + AGGREGATE_ID + "'";

    private final Deployment deployment;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Set<String> seen = new HashSet<>();
    private boolean assigned;

    Probe(Deployment deployment) {
        this.deployment = deployment;
        Map<String, Object> props = new HashMap<>(deployment.kafka.adminClientProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, deployment.kafka.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        // recovered means: visible to the suite's readers (read_committed for exactly-once)
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, deployment.isolation.toString());
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Commits one probe event, retrying while the database cannot take it (it may be restarting).
     *
     * @return its event id
     */
    UUID write(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            UUID id = UUID.randomUUID();
            try (Connection c = deployment.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setObject(1, id);
                ps.executeUpdate();
                return id;
            }
            catch (SQLException e) {
                last = e;
                sleep(Duration.ofMillis(100));
            }
        }
        throw new AssertionError("could not write a probe event within " + timeout, last);
    }

    /**
     * Waits until the probe event {@code id} is in Kafka.
     *
     * @return the moment it was seen ({@link System#nanoTime()})
     * @throws AssertionError after {@code timeout}
     */
    long awaitDelivered(UUID id, Duration timeout) {
        if (!delivered(id, timeout)) {
            throw new AssertionError("probe event " + id + " not in Kafka within " + timeout);
        }
        return System.nanoTime();
    }

    /** Polls Kafka for up to {@code within}; true as soon as the probe event {@code id} is there. */
    boolean delivered(UUID id, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        String wanted = id.toString();
        while (!seen.contains(wanted)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            poll();
        }
        return true;
    }

    private void poll() {
        if (!assigned) {
            String topic = deployment.topic(AGGREGATE_TYPE);
            // the relay creates the topic with the first probe
            try {
                if (!consumer.listTopics(Duration.ofSeconds(2)).containsKey(topic)) {
                    sleep(Duration.ofMillis(50));
                    return;
                }
                List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(2)).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                assigned = true;
            }
            catch (org.apache.kafka.common.errors.TimeoutException brokerAway) {
                return;
            }
        }
        consumer.poll(Duration.ofMillis(50)).forEach(r -> {
            Header h = r.headers().lastHeader(OutboxHeaders.EVENT_ID);
            if (h != null) {
                seen.add(new String(h.value(), StandardCharsets.UTF_8));
            }
        });
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
