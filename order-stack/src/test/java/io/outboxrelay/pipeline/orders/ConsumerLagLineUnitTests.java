package io.outboxrelay.pipeline.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.outboxrelay.consumers.runtime.PartitionLag;

/** How run's progress line shows one consumer's lag. */
class ConsumerLagLineUnitTests {

    @Test
    void sumsTheRecordsBehindOverPartitions() {
        assertThat(Pipeline.lagEvents(List.of(new PartitionLag("outbox.Order", 0, 1200, 3.0),
                new PartitionLag("outbox.Order", 1, 34, 0.5)))).isEqualTo(String.format("%,d", 1234));
        assertThat(Pipeline.lagEvents(List.of(new PartitionLag("outbox.Order", 0, 0, 0)))).isEqualTo("0");
    }

    @Test
    void unknownWhileNoPartitionIsAssignedOrAnEndOffsetIsUnknown() {
        assertThat(Pipeline.lagEvents(List.of())).isEqualTo("?");
        assertThat(Pipeline.lagEvents(List.of(new PartitionLag("outbox.Order", 0, 5, 0.1),
                new PartitionLag("outbox.Order", 1, -1, 0.1)))).isEqualTo("?");
    }
}
