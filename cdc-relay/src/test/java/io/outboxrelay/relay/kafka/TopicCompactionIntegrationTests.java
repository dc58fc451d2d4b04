package io.outboxrelay.relay.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;

/** topic.compact.pattern: the topics the relay creates are compacted exactly when the pattern says so. */
class TopicCompactionIntegrationTests {

    @Test
    void compactsCreatedEventTopicsMatchingThePatternButNotTheDeadLetterTopicThroughAWildcard() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        // matches every topic of this fixture, the dead-letter topic's name included
        String everything = Pattern.quote(fixture.topicPrefix) + "\\..*";

        relayOneOfEach(fixture, everything);

        assertThat(cleanupPolicies(fixture)).containsExactly("compact", "compact", "delete");
    }

    @Test
    void compactsOnlyTheTopicsThePatternNamesIncludingADeadLetterTopicNamedLiterally() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        String named = fixture.topicPrefix + "\\.Customer|" + fixture.topicPrefix + "\\.dead-letter";

        relayOneOfEach(fixture, named);

        assertThat(cleanupPolicies(fixture)).containsExactly("compact", "delete", "compact");
    }

    /** One Customer event, one Order event, one dead letter. */
    private static void relayOneOfEach(RelayFixture fixture, String pattern) throws Exception {
        try (Relay relay = Relay.start(fixture.relayConfig(Map.of("topic.compact.pattern", pattern)))) {
            for (String type : List.of("Customer", "Order")) {
                fixture.sql("INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload)"
                        + " VALUES (gen_random_uuid(), '" + type + "', 'id-1', 'Happened', '{}')");
            }
            fixture.sql("INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload)"
                    + " VALUES (gen_random_uuid(), 'Order', '', 'Happened', '{}')");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> fixture.endOffsetSum(topics(fixture)) >= 3);
            assertThat(relay.stats().deadLettered()).isEqualTo(1);
        }
    }

    /** cleanup.policy of the Customer, Order and dead-letter topics, in that order. */
    private static List<String> cleanupPolicies(RelayFixture fixture) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", SharedInfrastructure.kafka().bootstrapServers()))) {
            List<ConfigResource> resources = topics(fixture).stream()
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
            var configs = admin.describeConfigs(resources).all().get();
            return resources.stream().map(r -> configs.get(r).get("cleanup.policy").value()).toList();
        }
    }

    private static List<String> topics(RelayFixture fixture) {
        return List.of(fixture.topic("Customer"), fixture.topic("Order"), fixture.topicPrefix + ".dead-letter");
    }
}
