package io.outboxrelay.relay.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.testsupport.Delivery;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.sql.OutboxHeaders;
import io.outboxrelay.testkit.DeliveryCheck;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;

/**
 * A Kafka broker that goes away for a few seconds and comes back, against a relay that is not restarted (the class's
 * own broker, so that other tests' broker stays up): a producer whose oldest send waits past kafka.ack.timeout.ms is
 * replaced and what it had not had acknowledged sent again, in order, by a new one; a topic that cannot be created
 * while the broker is away (or fenced, just back) is created once it can be.
 */
class ProducerReplacementIntegrationTests {

    private static final SampleEventLoad.Plan LOAD = new SampleEventLoad.Plan(600, 2, 1, 10, 0, 20, 100);
    private static KafkaInstance kafka;

    @BeforeAll
    static void startBroker() {
        kafka = Infrastructure.startKafka();
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void createsATopicNeededWhileTheBrokerWasAwayOnceItIsBackAndGoesOnWithoutARestart() throws Exception {
        RelayFixture fixture = new RelayFixture(SharedInfrastructure.postgres(), kafka);
        try (Relay relay = Relay.start(fixture.relayConfig(Map.of("kafka.ack.timeout.ms", "20000")))) {
            kafka.stopBroker();
            UUID during = UUID.randomUUID();
            fixture.sql("INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload) VALUES ('"
                    + during + "', 'Brand-New', 'a-1', 'Happened', '{}')");
            Thread.sleep(4_000);
            kafka.startBroker();
            UUID after = UUID.randomUUID();
            fixture.sql("INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload) VALUES ('"
                    + after + "', 'Brand-New', 'a-1', 'Happened', '{}')");

            await().atMost(Duration.ofSeconds(60)).until(() -> fixture.endOffsetSum(List.of(fixture.topic("Brand-New"))) >= 2);
            assertThat(relay.state()).isEqualTo(Relay.State.RUNNING);
            assertThat(relay.stats().deadLettered()).isZero();
            assertThat(fixture.readAll(List.of(fixture.topic("Brand-New"))).values().stream().flatMap(List::stream)
                    .map(r -> DeliveryCheck.header(r, OutboxHeaders.EVENT_ID)).toList())
                    .containsExactly(during.toString(), after.toString());
        }
    }

    @Test
    void replacesAProducerWhoseSendsWaitPastTheAckTimeoutAndGoesOnWithoutARestartLosingNothing() throws Exception {
        {
            RelayFixture fixture = new RelayFixture(SharedInfrastructure.postgres(), kafka);
            SampleEventLoad load = new SampleEventLoad(fixture.dataSource());
            List<SampleEventLoad.Result> loads = new ArrayList<>();
            // Sends must queue up unacknowledged in the producer while the broker is away. Without these, whether they do
            // depends on timing (seen in CI): Kafka 4 clients forget the cluster's metadata once no broker answers
            // (metadata.recovery.strategy=rebootstrap), and then send() blocks on Debezium's thread for the metadata until
            // the broker is back; and a position saved during the outage holds that thread likewise.
            Map<String, String> settings = Map.of("kafka.ack.timeout.ms", "2000", "offset.flush.interval.ms", "600000",
                    "kafka.producer.metadata.recovery.strategy", "none");
            try (Relay relay = Relay.start(fixture.relayConfig(settings))) {
                loads.add(load.run(LOAD, n -> { }));
                fixture.awaitDelivered(committed(loads));

                kafka.stopBroker();
                loads.add(load.run(LOAD, n -> { })); // sent to a broker that is not there
                Thread.sleep(4_000); // past the ack timeout: the producer is replaced; the new one waits for metadata
                kafka.startBroker();
                loads.add(load.run(LOAD, n -> { }));

                fixture.awaitDelivered(committed(loads));
                assertThat(relay.state()).isEqualTo(Relay.State.RUNNING);
                assertThat(relay.stats().producerReplacements()).as("replaced, not restarted").isGreaterThanOrEqualTo(1);
                assertThat(relay.stats().errors()).isZero();
            }
            Delivery delivery = Delivery.compare(merged(loads), fixture.topicPrefix,
                    fixture.readAll(fixture.sampleTopics()));
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
