package io.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.relay.testsupport.Delivery;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;

/** The relay in this JVM against real PostgreSQL and Kafka: what is committed arrives, once, in order. */
class RelayDeliveryIntegrationTests {

    private static final SampleEventLoad.Plan TEN_THOUSAND = new SampleEventLoad.Plan(10_000, 4, 1, 100, 15, 200, 200);

    @Test
    void relaysEveryCommittedEventOnceAndNothingRolledBackInCommitOrderPerAggregate() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        SampleEventLoad.Result load;
        try (Relay relay = Relay.start(fixture.relayConfig())) {
            load = new SampleEventLoad(fixture.dataSource()).run(TEN_THOUSAND, n -> { });
            fixture.awaitDelivered(load.committed().size());
            assertThat(relay.state()).isEqualTo(Relay.State.RUNNING);
        }
        Delivery delivery = Delivery.compare(load, fixture.topicPrefix, fixture.readAll(fixture.sampleTopics()));

        assertThat(load.rolledBack()).as("the load rolled some transactions back").isNotEmpty();
        assertThat(delivery.lost).as("lost: " + delivery).isEmpty();
        assertThat(delivery.duplicates).as("duplicated: " + delivery).isEmpty();
        assertThat(delivery.fromRolledBack).as("from rolled-back transactions: " + delivery).isEmpty();
        assertThat(delivery.misrouted).as("wrong topic, key or headers: " + delivery).isEmpty();
        assertThat(delivery.orderViolations).as("out of commit order: " + delivery).isEmpty();
        assertThat(delivery.delivered).isEqualTo(10_000);
    }

    @Test
    void survivesThreeGracefulRestartsMidStreamWithoutLossOrDuplicates() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        AtomicLong committed = new AtomicLong();
        Relay relay = Relay.start(fixture.relayConfig());
        CompletableFuture<SampleEventLoad.Result> load = CompletableFuture.supplyAsync(() -> {
            try {
                return new SampleEventLoad(fixture.dataSource()).run(TEN_THOUSAND, committed::set);
            }
            catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            for (int restart = 1; restart <= 3; restart++) {
                long threshold = restart * 2_000L;
                await().atMost(Duration.ofSeconds(120)).until(() -> committed.get() >= threshold || load.isDone());
                relay.close();
                assertThat(relay.state()).isEqualTo(Relay.State.STOPPED);
                relay = Relay.start(fixture.relayConfig());
            }
            SampleEventLoad.Result result = load.get();
            assertThat(committed.get()).as("restarts happened mid-stream").isEqualTo(10_000);
            fixture.awaitDelivered(result.committed().size());
            Delivery delivery = Delivery.compare(result, fixture.topicPrefix, fixture.readAll(fixture.sampleTopics()));

            assertThat(delivery.lost).as("lost: " + delivery).isEmpty();
            assertThat(delivery.duplicates).as("duplicated: " + delivery).isEmpty();
            assertThat(delivery.fromRolledBack).isEmpty();
            assertThat(delivery.orderViolations).isEmpty();
        }
        finally {
            relay.close();
        }
    }

    @Test
    void stopsCleanlyWhenClosedRightAfterStartAndStillDeliversWhatFollows() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        // Debezium reports "polling started" before its polling threads exist; a close in that window
        // used to leave the engine hanging. Start must only return once the slot streams.
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(45), () -> {
            for (int i = 0; i < 6; i++) {
                Relay relay = Relay.start(fixture.relayConfig());
                relay.close();
                assertThat(relay.state()).isEqualTo(Relay.State.STOPPED);
            }
        });
        SampleEventLoad.Result load;
        try (Relay relay = Relay.start(fixture.relayConfig())) {
            load = new SampleEventLoad(fixture.dataSource()).run(new SampleEventLoad.Plan(500, 2, 1, 20, 0, 20, 100), n -> { });
            fixture.awaitDelivered(load.committed().size());
        }
        Delivery delivery = Delivery.compare(load, fixture.topicPrefix, fixture.readAll(fixture.sampleTopics()));
        assertThat(delivery.lost).isEmpty();
        assertThat(delivery.duplicates).isEmpty();
    }

    @Test
    void createsEventTopicsWithConfiguredPartitionsAndUnlimitedRetentionSoNewConsumersCanReplay() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        SampleEventLoad.Result load;
        try (Relay relay = Relay.start(fixture.relayConfig(Map.of("topic.partitions", "3")))) {
            load = new SampleEventLoad(fixture.dataSource()).run(new SampleEventLoad.Plan(300, 2, 1, 20, 0, 30, 100), n -> { });
            fixture.awaitDelivered(load.committed().size());
        }
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", SharedInfrastructure.kafka().bootstrapServers()))) {
            for (String topic : List.of(fixture.topic("Order"), fixture.topic("Customer"))) {
                assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()).hasSize(3);
                var resource = new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
                assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource).get("retention.ms").value())
                        .isEqualTo("-1");
            }
        }
        Delivery delivery = Delivery.compare(load, fixture.topicPrefix, fixture.readAll(fixture.sampleTopics()));
        assertThat(delivery.lost).isEmpty();
        assertThat(delivery.orderViolations).as("per-aggregate order across 3 partitions").isEmpty();
    }

    static Map<String, String> none() {
        return Map.of();
    }
}
