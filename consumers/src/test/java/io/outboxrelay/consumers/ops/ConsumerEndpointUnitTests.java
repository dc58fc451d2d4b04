package io.outboxrelay.consumers.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.outboxrelay.consumers.ops.ConsumerEndpoint.View;
import io.outboxrelay.consumers.runtime.EventConsumer.State;
import io.outboxrelay.consumers.runtime.PartitionLag;

/** What the probes and /status answer for given consumer states. */
class ConsumerEndpointUnitTests {

    private static final List<PartitionLag> TWO = List.of(new PartitionLag("outbox.Order", 0, 12, 1.5),
            new PartitionLag("outbox.Order", 1, 0, 0));

    @Test
    void readyOnlyWhenEveryConsumerRunsWithPartitions() {
        View running = new View("read-model", State.RUNNING, TWO, 0, 0);
        assertThat(ConsumerEndpoint.ready(List.of(running))).isTrue();
        assertThat(ConsumerEndpoint.ready(List.of(running, new View("payments", State.RUNNING, List.of(), 0, 0)))).isFalse();
        assertThat(ConsumerEndpoint.ready(List.of(running, new View("payments", State.STOPPED, List.of(), 0, 0)))).isFalse();
        assertThat(ConsumerEndpoint.ready(List.of())).as("no consumers").isFalse();
    }

    @Test
    void liveUnlessAConsumerFailed() {
        assertThat(ConsumerEndpoint.live(List.of(new View("a", State.STOPPED, List.of(), 0, 0)))).isTrue();
        assertThat(ConsumerEndpoint.live(List.of(new View("a", State.RUNNING, TWO, 0, 0),
                new View("b", State.FAILED, List.of(), 0, 0)))).isFalse();
    }

    @Test
    void probesSayOneLinePerConsumer() {
        assertThat(ConsumerEndpoint.describe(List.of(new View("read-model", State.RUNNING, TWO, 0, 0),
                new View("payments", State.RUNNING, List.of(), 0, 0), new View("compensation", State.FAILED, List.of(), 0, 0))))
                .isEqualTo("read-model RUNNING, 2 partitions\npayments RUNNING, no partitions assigned\ncompensation FAILED\n");
        assertThat(ConsumerEndpoint.describe(List.of())).isEqualTo("no consumers\n");
    }

    @Test
    void statusSumsEventLagAndTakesTheLargestSeconds() throws Exception {
        JsonNode status = new ObjectMapper().readTree(ConsumerEndpoint.status(List.of(
                new View("read-model", State.RUNNING, TWO, 40, 2),
                new View("payments", State.RUNNING, List.of(new PartitionLag("outbox.Order", 0, -1, 0.2)), 0, 0))));

        assertThat(status.get("live").asBoolean()).isTrue();
        assertThat(status.get("ready").asBoolean()).isTrue();
        JsonNode readModel = status.get("consumers").get("read-model");
        assertThat(readModel.get("state").asText()).isEqualTo("RUNNING");
        assertThat(readModel.get("lag_events").asLong()).isEqualTo(12);
        assertThat(readModel.get("lag_seconds").asDouble()).isEqualTo(1.5);
        assertThat(readModel.get("events").asLong()).isEqualTo(40);
        assertThat(readModel.get("dead_letters").asLong()).isEqualTo(2);
        assertThat(readModel.get("partitions").get(0).get("lag_events").asLong()).isEqualTo(12);
        assertThat(readModel.get("partitions").get(1).get("partition").asInt()).isEqualTo(1);
        JsonNode payments = status.get("consumers").get("payments");
        assertThat(payments.get("lag_events").isNull()).as("unknown while a partition's end offset is").isTrue();
        assertThat(payments.get("partitions").get(0).get("lag_events").isNull()).isTrue();
    }

    @Test
    void aPortInUseIsReportedWithTheAddressAndWhatToDo() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (ConsumerEndpoint first = ConsumerEndpoint.start("127.0.0.1", 0, registry, List::of)) {
            assertThat(first.uri().toString()).isEqualTo("http://127.0.0.1:" + first.port());
            assertThatThrownBy(() -> ConsumerEndpoint.start("127.0.0.1", first.port(), registry, List::of))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageStartingWith("cannot listen on 127.0.0.1:" + first.port() + " for metrics and health checks (")
                    .hasMessageEndingWith("): choose a free port (0 picks one)");
        }
    }
}
