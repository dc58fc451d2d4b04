package io.outboxrelay.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** Each figure of the delivery checker, from records built by hand: each can fail on its own. */
class DeliveryCheckUnitTests {

    private static final String TOPIC = "outbox.Order";
    private static final String DEAD_LETTERS = "outbox.dead-letter";
    private final UUID a1 = UUID.randomUUID();
    private final UUID a2 = UUID.randomUUID();
    private final UUID a3 = UUID.randomUUID();
    private final UUID b1 = UUID.randomUUID();
    private final Map<UUID, DeliveryCheck.Committed> truth = Map.of(a1, new DeliveryCheck.Committed("a", 1),
            a2, new DeliveryCheck.Committed("a", 2), a3, new DeliveryCheck.Committed("a", 3),
            b1, new DeliveryCheck.Committed("b", 1));

    @Test
    void everyCommittedEventOnceAndInOrderLeavesEveryFigureClean() {
        DeliveryCheck check = check(List.of(record(a1, 1), record(b1, 1), record(a2, 2), record(a3, 3)), List.of());

        assertThat(check.committed).isEqualTo(4);
        assertThat(check.delivered).isEqualTo(4);
        assertThat(check.lost).isEmpty();
        assertThat(check.duplicateCount()).isZero();
        assertThat(check.unexpected).isEmpty();
        assertThat(check.deadLettered).isZero();
        assertThat(check.orderViolations).isEmpty();
    }

    @Test
    void countsLostDuplicatedUnexpectedAndDeadLetteredEventsApart() {
        UUID rolledBack = UUID.randomUUID();
        DeliveryCheck check = check(List.of(record(a1, 1), record(a2, 2), record(a2, 2), record(a3, 3), record(rolledBack, 9)),
                List.of(record(b1, 1)));

        assertThat(check.lost).containsExactly(b1);
        assertThat(check.duplicates).containsExactly(Map.entry(a2, 1));
        assertThat(check.unexpected).containsExactly(rolledBack);
        assertThat(check.deadLettered).isEqualTo(1);
        assertThat(check.delivered).isEqualTo(5);
        assertThat(check.orderViolations).isEmpty(); // a re-delivery may repeat a version
    }

    @Test
    void anAggregatesFirstDeliveriesOutOfVersionOrderAreViolations() {
        DeliveryCheck check = check(List.of(record(a2, 2), record(a1, 1), record(a3, 3), record(b1, 1)), List.of());

        assertThat(check.lost).isEmpty();
        assertThat(check.orderViolations).containsExactly("a: version 2 after 0", "a: version 1 after 2", "a: version 3 after 1");
    }

    private DeliveryCheck check(List<ConsumerRecord<byte[], byte[]>> events, List<ConsumerRecord<byte[], byte[]>> deadLetters) {
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = new LinkedHashMap<>();
        records.put(new TopicPartition(TOPIC, 0), new ArrayList<>(events));
        records.put(new TopicPartition(DEAD_LETTERS, 0), new ArrayList<>(deadLetters));
        return DeliveryCheck.compare(truth, records, DEAD_LETTERS);
    }

    private static ConsumerRecord<byte[], byte[]> record(UUID eventId, long version) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeliveryCheck.EVENT_ID_HEADER, eventId.toString().getBytes(StandardCharsets.UTF_8));
        byte[] value = ("{\"version\": " + version + "}").getBytes(StandardCharsets.UTF_8);
        return new ConsumerRecord<>(TOPIC, 0, 0, 0L, org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0, value.length,
                "a".getBytes(StandardCharsets.UTF_8), value, headers, java.util.Optional.empty());
    }
}
