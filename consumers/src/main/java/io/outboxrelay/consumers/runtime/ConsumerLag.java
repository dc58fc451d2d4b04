package io.outboxrelay.consumers.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Per assigned partition, how far behind a consumer is, as two gauges tagged group, topic and
 * partition (removed when the partition is revoked or the consumer stops):
 * <ul>
 *   <li>{@value ConsumerMetrics#LAG_EVENTS}: end offset minus the position after the last batch applied, i.e. the
 *       records not yet applied. The poll thread takes position and end offset from its own consumer after each
 *       batch ({@link Consumer#currentLag}, no request to Kafka); the end offsets are also asked of Kafka every
 *       {@link #REFRESH_MS} ms by a thread of their own ({@link #refreshEndOffsets}), so the lag grows while the poll
 *       thread is stuck in a long transaction or a blocked lock (it would otherwise show its last value, 0).
 *       NaN until the position or an end offset is known.</li>
 *   <li>{@value ConsumerMetrics#LAG_SECONDS}: 0 while {@code events} is 0; otherwise now minus the later of the
 *       Kafka timestamp of the last record applied on the partition (when the relay produced it) and
 *       the last moment the partition was caught up (before either: the moment it was assigned).
 *       Computed when read, so it grows while the consumer is stuck. The caught-up moment keeps a
 *       partition idle for an hour from showing an hour of lag when its next record arrives. The
 *       timestamp comes from the producer's clock, so clock skew between hosts shows up here.</li>
 * </ul>
 * Written by the poll thread ({@link #applied}, {@link #update}, {@link #clear}) and the end-offset thread
 * ({@link #refreshEndOffsets}: end offsets only, never lowered); read from any.
 */
final class ConsumerLag {

    static final long UNKNOWN = -1;
    /** How often {@link #refreshEndOffsets} asks Kafka for the assigned partitions' end offsets. */
    static final long REFRESH_MS = 2000;

    /** One assigned partition; fields written by the poll thread, read by scrapes. */
    private static final class Partition {
        final long assignedAt;
        volatile long position = UNKNOWN; // next offset to apply, at the poll thread's last update
        volatile long endOffset = UNKNOWN; // the latest end offset seen, by either thread
        volatile long lastAppliedTimestamp = UNKNOWN;
        volatile long caughtUpAt = UNKNOWN;
        final List<Meter> meters = new ArrayList<>(2);

        Partition(long assignedAt) {
            this.assignedAt = assignedAt;
        }
    }

    private final MeterRegistry registry;
    private final String group;
    private final LongSupplier clock;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    /** Timestamps of records applied since the last update; poll thread only. */
    private final Map<TopicPartition, Long> applied = new HashMap<>();

    ConsumerLag(MeterRegistry registry, String group) {
        this(registry, group, System::currentTimeMillis);
    }

    ConsumerLag(MeterRegistry registry, String group, LongSupplier clock) {
        this.registry = registry;
        this.group = group;
        this.clock = clock;
    }

    /** The records of a batch are durably done with (a poll's records: each partition's together, in offset order). */
    void applied(List<ConsumerRecord<byte[], byte[]>> records) {
        ConsumerRecord<byte[], byte[]> last = null;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            // one entry per run of a partition's records, not one TopicPartition per record on the hot path
            if (last != null && (last.partition() != r.partition() || !last.topic().equals(r.topic()))) {
                applied(last);
            }
            last = r;
        }
        if (last != null) {
            applied(last);
        }
    }

    private void applied(ConsumerRecord<byte[], byte[]> last) {
        if (last.timestamp() != ConsumerRecord.NO_TIMESTAMP) {
            applied.put(new TopicPartition(last.topic(), last.partition()), last.timestamp());
        }
    }

    /** Follows the consumer's assignment and reads its lag; poll thread, after a batch and its commit. */
    void update(Consumer<?, ?> consumer) {
        long now = clock.getAsLong();
        Set<TopicPartition> assignment = consumer.assignment();
        partitions.entrySet().removeIf(e -> {
            boolean revoked = !assignment.contains(e.getKey());
            if (revoked) {
                unregister(e.getValue());
            }
            return revoked;
        });
        for (TopicPartition tp : assignment) {
            Partition p = partitions.computeIfAbsent(tp, t -> register(t, now));
            Long timestamp = applied.get(tp);
            if (timestamp != null) {
                p.lastAppliedTimestamp = timestamp;
            }
            OptionalLong lag = consumer.currentLag(tp); // known only where the position is
            p.position = position(consumer, tp);
            if (p.position != UNKNOWN && lag.isPresent()) {
                p.endOffset = Math.max(p.endOffset, p.position + lag.getAsLong());
            }
            if (events(p) == 0) {
                p.caughtUpAt = now;
            }
        }
        applied.clear();
    }

    /** The position if the consumer knows it without asking Kafka, else unknown. */
    static long position(Consumer<?, ?> consumer, TopicPartition tp) {
        try {
            return consumer.position(tp, Duration.ZERO);
        }
        catch (KafkaException e) { // not known yet (a timeout at once) or the partition just went
            return UNKNOWN;
        }
    }

    /**
     * Asks Kafka for the end offsets of the assigned partitions and keeps the latest; from a thread of its own, every
     * {@link #REFRESH_MS} ms, while the poll thread may be busy. A failure leaves the last known values.
     */
    void refreshEndOffsets(Function<Set<TopicPartition>, Map<TopicPartition, Long>> endOffsets) {
        Set<TopicPartition> assigned = Set.copyOf(partitions.keySet());
        if (assigned.isEmpty()) {
            return;
        }
        endOffsets.apply(assigned).forEach((tp, end) -> {
            Partition p = partitions.get(tp);
            if (p != null && end != null) {
                p.endOffset = Math.max(p.endOffset, end);
            }
        });
    }

    /** Records not yet applied: the latest end offset known minus the position; unknown until both are. */
    private static long events(Partition p) {
        long position = p.position;
        long end = p.endOffset;
        return position == UNKNOWN || end == UNKNOWN ? UNKNOWN : Math.max(0, end - position);
    }

    /** The consumer stopped: its partitions and their gauges go. */
    void clear() {
        partitions.values().forEach(this::unregister);
        partitions.clear();
        applied.clear();
    }

    /** Every assigned partition, by topic and partition. */
    List<PartitionLag> snapshot() {
        long now = clock.getAsLong();
        List<PartitionLag> out = new ArrayList<>(partitions.size());
        partitions.forEach((tp, p) -> out.add(new PartitionLag(tp.topic(), tp.partition(), events(p), seconds(p, now))));
        out.sort(Comparator.comparing(PartitionLag::topic).thenComparingInt(PartitionLag::partition));
        return out;
    }

    private static double seconds(Partition p, long now) {
        return seconds(events(p), p.lastAppliedTimestamp, p.caughtUpAt, p.assignedAt, now);
    }

    /** The definition of {@value ConsumerMetrics#LAG_SECONDS} (class comment); times in epoch milliseconds, -1 for none. */
    static double seconds(long events, long lastAppliedTimestamp, long caughtUpAt, long assignedAt, long now) {
        if (events == 0) {
            return 0;
        }
        long since = Math.max(lastAppliedTimestamp == UNKNOWN ? assignedAt : lastAppliedTimestamp, caughtUpAt);
        return Math.max(0, now - since) / 1000.0;
    }

    private Partition register(TopicPartition tp, long now) {
        Partition p = new Partition(now);
        String partition = Integer.toString(tp.partition());
        p.meters.add(Gauge.builder(ConsumerMetrics.LAG_EVENTS, p, x -> events(x) == UNKNOWN ? Double.NaN : events(x))
                .description("records not yet applied: the latest end offset known minus the position after the last batch")
                .tags(ConsumerMetrics.GROUP_TAG, group, ConsumerMetrics.TOPIC_TAG, tp.topic(), ConsumerMetrics.PARTITION_TAG, partition)
                .strongReference(true).register(registry));
        p.meters.add(Gauge.builder(ConsumerMetrics.LAG_SECONDS, p, x -> seconds(x, clock.getAsLong()))
                .description("0 when caught up; else now minus the later of the last applied record's timestamp"
                        + " and the last time the partition was caught up")
                .tags(ConsumerMetrics.GROUP_TAG, group, ConsumerMetrics.TOPIC_TAG, tp.topic(), ConsumerMetrics.PARTITION_TAG, partition)
                .strongReference(true).register(registry));
        return p;
    }

    private void unregister(Partition p) {
        if (p != null) {
            p.meters.forEach(registry::remove);
        }
    }
}
