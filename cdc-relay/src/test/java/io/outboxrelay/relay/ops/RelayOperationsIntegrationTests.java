package io.outboxrelay.relay.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.testsupport.OpsHttp;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;

/** The HTTP endpoint in front of a real relay: Prometheus counters, probes and /status follow what Kafka acknowledged. */
class RelayOperationsIntegrationTests {

    private static final int EVENTS = 40;

    @Test
    void metricsCountAcknowledgedEventsAndDeadLettersAndReadinessFollowsTheRelayState() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        RelayConfig config = fixture.relayConfig();
        try (RelayOperations ops = RelayOperations.start(config)) {
            URI endpoint = ops.uri();
            assertThat(OpsHttp.get(endpoint, "/health/live").status()).isEqualTo(200);
            assertThat(OpsHttp.get(endpoint, "/health/ready")).isEqualTo(new OpsHttp.Response(503, "NEW\n"));

            Relay relay = Relay.start(config, ops);
            String lastId;
            try {
                assertThat(OpsHttp.get(endpoint, "/health/ready")).isEqualTo(new OpsHttp.Response(200, "RUNNING\n"));
                // aggregate_type with a space makes an illegal topic name: a dead letter, not an event
                fixture.sql("INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload) VALUES ('"
                        + UUID.randomUUID() + "', 'Order Line', 'o-0', 'OrderPlaced', '{}')");
                lastId = insertEvents(fixture, EVENTS);

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    String scrape = OpsHttp.get(endpoint, "/metrics").body();
                    assertThat(OpsHttp.sample(scrape, "outbox_relay_events_relayed_total")).isEqualTo(EVENTS);
                    assertThat(OpsHttp.sample(scrape, "outbox_relay_dead_letters_total")).isEqualTo(1);
                    assertThat(OpsHttp.sample(scrape, "outbox_relay_wal_retained_bytes")).as("slot polled").isNotNaN();
                });
                assertThat(fixture.endOffsetSum(List.of(fixture.topic("Order")))).as("what Kafka holds").isEqualTo(EVENTS);

                String scrape = OpsHttp.get(endpoint, "/metrics").body();
                assertThat(OpsHttp.sample(scrape, "outbox_relay_errors_total")).isZero();
                assertThat(OpsHttp.sample(scrape, "outbox_relay_transactions_committed_total")).as("at-least-once").isZero();
                assertThat(OpsHttp.sample(scrape, "outbox_relay_lag_seconds")).isBetween(0.0, 60.0);
                assertThat(OpsHttp.sample(scrape, "outbox_relay_last_event_age_seconds")).isBetween(0.0, 120.0);
                assertThat(OpsHttp.sample(scrape, "outbox_relay_slot_lag_bytes")).isGreaterThanOrEqualTo(0);
                assertThat(scrape).contains("outbox_relay_state{relay=\"" + config.get(RelayConfig.RELAY_NAME) + "\",state=\"RUNNING\"} 1")
                        .contains("jvm_memory_used_bytes");

                JsonNode status = new ObjectMapper().readTree(OpsHttp.get(endpoint, "/status").body());
                assertThat(status.get("state").asText()).isEqualTo("RUNNING");
                assertThat(status.get("events_relayed").asLong()).isEqualTo(EVENTS);
                assertThat(status.get("dead_letters_relayed").asLong()).isEqualTo(1);
                assertThat(status.get("last_event_id").asText()).isEqualTo(lastId);
                assertThat(status.get("events_per_second").asDouble()).isPositive();

                assertThat(OpsHttp.get(endpoint, "/").body()).contains("<script src=\"console.js\"></script>");
                JsonNode console = new ObjectMapper().readTree(OpsHttp.get(endpoint, "/console/data").body());
                assertThat(console.get("recent_events")).as("the last 20, newest first").hasSize(20);
                assertThat(console.get("recent_events").get(0).get("event_id").asText()).isEqualTo(lastId);
                assertThat(console.get("recent_dead_letters").get(0).get("reason").asText())
                        .contains("not a legal Kafka topic name");
                assertThat(console.get("history").get("t").size()).as("a sample a second").isPositive();
            }
            finally {
                relay.close();
            }
            assertThat(OpsHttp.get(endpoint, "/health/ready")).isEqualTo(new OpsHttp.Response(503, "STOPPED\n"));
            assertThat(OpsHttp.get(endpoint, "/health/live").status()).isEqualTo(200);
            assertThat(OpsHttp.get(endpoint, "/nothing-here").status()).isEqualTo(404);
        }
    }

    /** Inserts {@code n} valid events in one transaction; returns the last one's id. */
    static String insertEvents(RelayFixture fixture, int n) throws java.sql.SQLException {
        String last = UUID.randomUUID().toString();
        fixture.sql("INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload)"
                + " SELECT CASE WHEN g = " + n + " THEN '" + last + "'::uuid ELSE gen_random_uuid() END, 'Order', 'o-' || g,"
                + " 'OrderPlaced', jsonb_build_object('n', g, 'note', repeat('x', 400)) FROM generate_series(1, " + n + ") g");
        return last;
    }
}
