package io.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;

/**
 * A producer whose oldest send waits past kafka.ack.timeout.ms is replaced and what it had not had acknowledged is
 * sent again, in order, by a new one, without a restart: against a real broker that goes away for longer than that
 * timeout and comes back (its own broker, so that other tests' broker stays up).
 */
class ProducerReplacementIntegrationTests {

    private static final SampleEventLoad.Plan LOAD = new SampleEventLoad.Plan(600, 2, 1, 10, 0, 20, 100);

    @Test
    void replacesAProducerWhoseSendsWaitPastTheAckTimeoutAndGoesOnWithoutARestartLosingNothing() throws Exception {
        try (KafkaInstance kafka = Infrastructure.startKafka()) {
            RelayFixture fixture = new RelayFixture(SharedInfrastructure.postgres(), kafka);
            SampleEventLoad load = new SampleEventLoad(fixture.dataSource());
            List<SampleEventLoad.Result> loads = new ArrayList<>();
            try (Relay relay = Relay.start(fixture.relayConfig(Map.of("kafka.ack.timeout.ms", "2000")))) {
                loads.add(load.run(LOAD, n -> { }));
                RelayDeliveryIntegrationTests.awaitDelivered(fixture, committed(loads));

                kafka.stopBroker();
                loads.add(load.run(LOAD, n -> { })); // sent to a broker that is not there
                Thread.sleep(4_000); // past the ack timeout: the producer is replaced; the new one waits for metadata
                kafka.startBroker();
                loads.add(load.run(LOAD, n -> { }));

                RelayDeliveryIntegrationTests.awaitDelivered(fixture, committed(loads));
                assertThat(relay.state()).isEqualTo(Relay.State.RUNNING);
                assertThat(relay.stats().producerReplacements()).as("replaced, not restarted").isGreaterThanOrEqualTo(1);
                assertThat(relay.stats().errors()).isZero();
            }
            Delivery delivery = Delivery.compare(merged(loads), fixture.topicPrefix,
                    fixture.readAll(RelayDeliveryIntegrationTests.topics(fixture)));
            assertThat(delivery.lost).as("lost: " + delivery).isEmpty();
            assertThat(delivery.orderViolations).as("out of order: " + delivery).isEmpty();
            assertThat(delivery.misrouted).as("misrouted: " + delivery).isEmpty();
            System.out.println("Producer replaced after a broker outage: " + delivery.delivered + " delivered for "
                    + delivery.committed + " committed, " + delivery.duplicates.size() + " events sent twice");
        }
    }

    private static long committed(List<SampleEventLoad.Result> loads) {
        return loads.stream().mapToLong(r -> r.committed().size()).sum();
    }

    private static SampleEventLoad.Result merged(List<SampleEventLoad.Result> loads) {
        List<SampleEventLoad.Written> committed = new ArrayList<>();
        List<UUID> rolledBack = new ArrayList<>();
        loads.forEach(r -> {
            committed.addAll(r.committed());
            rolledBack.addAll(r.rolledBack());
        });
        return new SampleEventLoad.Result(committed, rolledBack, loads.stream().mapToInt(SampleEventLoad.Result::transactions).sum());
    }
}
