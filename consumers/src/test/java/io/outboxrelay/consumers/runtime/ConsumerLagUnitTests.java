package io.outboxrelay.consumers.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The lag definitions of ConsumerLag, and its gauges following the assignment. */
class ConsumerLagUnitTests {

    private static final TopicPartition P0 = new TopicPartition("outbox.Thing", 0);
    private static final TopicPartition P1 = new TopicPartition("outbox.Thing", 1);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final ConsumerLag lag = new ConsumerLag(registry, "things", now::get);
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());

    @Test
    void secondsAreZeroWhenCaughtUpElseTheAgeOfTheLastAppliedRecord() {
        assertThat(ConsumerLag.seconds(0, 1_000, 5_000, 0, 60_000)).isZero();
        assertThat(ConsumerLag.seconds(3, 50_000, -1, 0, 60_000)).isEqualTo(10.0);
    }

    @Test
    void secondsCountFromTheLastCaughtUpMomentWhenThatIsLater() {
        // idle for a minute after record at 1 s: the record that just arrived is not a minute late
        assertThat(ConsumerLag.seconds(1, 1_000, 59_500, 0, 60_000)).isEqualTo(0.5);
    }

    @Test
    void secondsCountFromTheAssignmentBeforeAnyRecordIsApplied() {
        assertThat(ConsumerLag.seconds(100, -1, -1, 58_000, 60_000)).isEqualTo(2.0);
        assertThat(ConsumerLag.seconds(-1, -1, -1, 58_000, 60_000)).as("unknown lag is not caught up").isEqualTo(2.0);
    }

    @Test
    void gaugesFollowTheAssignmentAndGoWhenTheConsumerStops() {
        consumer.assign(List.of(P0, P1));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        consumer.updateEndOffsets(Map.of(P0, 10L, P1, 4L));
        consumer.seek(P0, 7);
        consumer.seek(P1, 4);
        lag.applied(List.of(record(P0, 6, now.get() - 3_000)));
        lag.update(consumer);
        now.addAndGet(1_000);

        assertThat(lag.snapshot()).containsExactly(new PartitionLag(P0.topic(), 0, 3, 4.0), new PartitionLag(P1.topic(), 1, 0, 0));
        assertThat(gauge(ConsumerMetrics.LAG_EVENTS, "0")).isEqualTo(3);
        assertThat(gauge(ConsumerMetrics.LAG_SECONDS, "0")).isEqualTo(4.0);
        assertThat(gauge(ConsumerMetrics.LAG_EVENTS, "1")).isZero();

        consumer.assign(List.of(P1)); // P0 revoked
        lag.update(consumer);
        assertThat(lag.snapshot()).extracting(PartitionLag::partition).containsExactly(1);
        assertThat(registry.find(ConsumerMetrics.LAG_EVENTS).tag(ConsumerMetrics.PARTITION_TAG, "0").gauge()).isNull();
        assertThat(registry.find(ConsumerMetrics.LAG_SECONDS).tag(ConsumerMetrics.PARTITION_TAG, "0").gauge()).isNull();

        lag.clear();
        assertThat(lag.snapshot()).isEmpty();
        assertThat(registry.find(ConsumerMetrics.LAG_EVENTS).gauges()).isEmpty();
        assertThat(registry.find(ConsumerMetrics.LAG_SECONDS).gauges()).isEmpty();
    }

    @Test
    void theLastAppliedRecordOfEachPartitionDatesItsLag() {
        consumer.assign(List.of(P0, P1));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        consumer.updateEndOffsets(Map.of(P0, 10L, P1, 10L));
        consumer.seek(P0, 2);
        consumer.seek(P1, 3);
        long t = now.get();
        lag.applied(List.of(record(P0, 0, t - 9_000), record(P0, 1, t - 8_000), record(P1, 0, t - 7_000),
                record(P1, 1, t - 6_000), record(P1, 2, t - 5_000)));
        lag.update(consumer);

        assertThat(lag.snapshot()).containsExactly(new PartitionLag(P0.topic(), 0, 8, 8.0), new PartitionLag(P1.topic(), 1, 7, 5.0));
    }

    private double gauge(String name, String partition) {
        return registry.get(name).tags(ConsumerMetrics.GROUP_TAG, "things", ConsumerMetrics.TOPIC_TAG, P0.topic(),
                ConsumerMetrics.PARTITION_TAG, partition).gauge().value();
    }

    private static ConsumerRecord<byte[], byte[]> record(TopicPartition tp, long offset, long timestamp) {
        return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, timestamp, TimestampType.CREATE_TIME, 0, 0, null,
                new byte[0], new RecordHeaders(), java.util.Optional.empty());
    }
}
