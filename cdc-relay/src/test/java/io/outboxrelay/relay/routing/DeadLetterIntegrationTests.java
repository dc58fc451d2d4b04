package io.outboxrelay.relay.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.sql.OutboxHeaders;
import io.outboxrelay.testkit.DeliveryCheck;


/**
 * Every kind of outbox row the relay cannot send goes to the dead-letter topic with a readable reason
 * and its source table, and the good events before and after each one arrive once, in order.
 */
class DeadLetterIntegrationTests {

    private static final String GOOD_TYPE = "Small";

    @Test
    void sendsEveryMalformedOutboxRowToTheDeadLetterTopicWithItsReasonAndLosesNothingElse() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        // the good events' topic refuses records above 4 kB, as a broker or topic limit would
        createTopic(fixture.topic(GOOD_TYPE), Map.of("max.message.bytes", "4096"));
        Rows rows = new Rows(fixture, "outbox.event");

        try (Relay relay = Relay.start(fixture.relayConfig())) {
            rows.good();
            rows.bad("no aggregate id", GOOD_TYPE, "''", "'Happened'", "'{}'", "aggregate_id is null or empty");
            rows.good();
            rows.bad("no event type", GOOD_TYPE, "'a-1'", "''", "'{}'", "event_type is null or empty");
            rows.good();
            rows.bad("no aggregate type", "", "'a-1'", "'Happened'", "'{}'", "aggregate_type is null or empty");
            rows.good();
            rows.bad("space in type", "Order Line", "'a-1'", "'Happened'", "'{}'", "not a legal Kafka topic name");
            rows.good();
            rows.bad("slash in type", "orders/2026", "'a-1'", "'Happened'", "'{}'", "not a legal Kafka topic name");
            rows.good();
            rows.bad("type too long", "x".repeat(250), "'a-1'", "'Happened'", "'{}'", "of 250 characters gives a topic name");
            rows.good();
            rows.bad("larger than the topic takes", GOOD_TYPE, "'a-1'", "'Happened'",
                    "jsonb_build_object('pad', repeat('x', 10000))", "record too large for Kafka");
            rows.good();
            rows.bad("larger than the producer sends", GOOD_TYPE, "'a-1'", "'Happened'",
                    "jsonb_build_object('pad', repeat('x', 1100000))", "max.request.size");
            rows.good();

            rows.awaitAll();
            assertThat(relay.stats().relayed()).as("events counted").isEqualTo(rows.good.size());
            assertThat(relay.stats().deadLettered()).as("dead letters counted").isEqualTo(rows.bad.size());
            assertThat(relay.state()).isEqualTo(Relay.State.RUNNING);
        }
        rows.assertDelivered();
    }

    @Test
    void sendsRowsWithNullsOrAPayloadThatIsNotJsonFromANullableOutboxTableToTheDeadLetterTopic() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        fixture.sql("CREATE TABLE outbox.loose_event (event_id uuid, aggregate_type text, aggregate_id text,"
                + " event_type text, payload text, occurred_at timestamptz DEFAULT now())");
        fixture.sql("CREATE PUBLICATION loose_publication FOR TABLE outbox.loose_event WITH (publish = 'insert')");
        Rows rows = new Rows(fixture, "outbox.loose_event");
        Map<String, String> settings = Map.of("outbox.table", "outbox.loose_event", "publication", "loose_publication",
                "heartbeat.interval.ms", "0");

        try (Relay relay = Relay.start(fixture.relayConfig(settings))) {
            rows.good();
            rows.bad("null aggregate id", GOOD_TYPE, "NULL", "'Happened'", "'{}'", "aggregate_id is null or empty");
            rows.good();
            rows.bad("null event type", GOOD_TYPE, "'a-1'", "NULL", "'{}'", "event_type is null or empty");
            rows.good();
            rows.bad("null payload", GOOD_TYPE, "'a-1'", "'Happened'", "NULL", "payload is null");
            rows.good();
            rows.bad("payload not JSON", GOOD_TYPE, "'a-1'", "'Happened'", "'{\"total\": 12.5'", "payload is not valid JSON");
            rows.good();
            rows.bad("two JSON values", GOOD_TYPE, "'a-1'", "'Happened'", "'{} {}'", "payload is not valid JSON");
            rows.good();

            rows.awaitAll();
            assertThat(relay.stats().deadLettered()).isEqualTo(rows.bad.size());
        }
        rows.assertDelivered();
    }

    private static void createTopic(String topic, Map<String, String> config) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", SharedInfrastructure.kafka().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(config))).all().get();
        }
    }

    /** The rows a test writes, each in its own transaction, and what must come of them. */
    private static final class Rows {

        private final RelayFixture fixture;
        private final String table;
        final List<UUID> good = new ArrayList<>();
        final Map<UUID, String> bad = new LinkedHashMap<>(); // event id -> expected part of the reason
        private final Map<UUID, String> what = new LinkedHashMap<>();

        Rows(RelayFixture fixture, String table) {
            this.fixture = fixture;
            this.table = table;
        }

        void good() throws Exception {
            UUID id = UUID.randomUUID();
            insert(id, GOOD_TYPE, "'a-1'", "'Happened'", "'{\"n\": " + (good.size() + 1) + "}'");
            good.add(id);
        }

        void bad(String description, String aggregateType, String aggregateId, String eventType, String payload,
                 String reason) throws Exception {
            UUID id = UUID.randomUUID();
            insert(id, aggregateType, aggregateId, eventType, payload);
            bad.put(id, reason);
            what.put(id, description);
        }

        private void insert(UUID id, String aggregateType, String aggregateId, String eventType, String payload)
                throws Exception {
            fixture.sql("INSERT INTO " + table + " (event_id, aggregate_type, aggregate_id, event_type, payload) VALUES ('"
                    + id + "', '" + aggregateType + "', " + aggregateId + ", " + eventType + ", " + payload + ")");
        }

        String deadLetterTopic() {
            return fixture.topicPrefix + ".dead-letter";
        }

        void awaitAll() {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() ->
                    fixture.endOffsetSum(List.of(fixture.topic(GOOD_TYPE))) >= good.size()
                            && fixture.endOffsetSum(List.of(deadLetterTopic())) >= bad.size());
        }

        void assertDelivered() {
            List<ConsumerRecord<byte[], byte[]>> events = all(fixture.topic(GOOD_TYPE));
            assertThat(events).extracting(r -> DeliveryCheck.header(r, OutboxHeaders.EVENT_ID))
                    .as("good events, once each, in commit order").containsExactlyElementsOf(good.stream().map(UUID::toString).toList());
            assertThat(events).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .allMatch(v -> v.startsWith("{\"n\": "));

            List<ConsumerRecord<byte[], byte[]>> letters = all(deadLetterTopic());
            assertThat(letters).hasSize(bad.size());
            for (ConsumerRecord<byte[], byte[]> letter : letters) {
                String id = DeliveryCheck.header(letter, OutboxHeaders.EVENT_ID);
                UUID eventId = UUID.fromString(id);
                assertThat(bad).as("dead letter " + id).containsKey(eventId);
                assertThat(DeliveryCheck.header(letter, OutboxHeaders.DLQ_REASON)).as(what.get(eventId))
                        .contains(bad.get(eventId));
                assertThat(DeliveryCheck.header(letter, OutboxHeaders.DLQ_SOURCE_TABLE)).as(what.get(eventId)).isEqualTo(table);
                assertThat(new String(letter.value(), StandardCharsets.UTF_8)).as("the row as JSON")
                        .contains("\"event_id\":\"" + id + "\"");
            }
            letters.forEach(l -> System.out.println("dead letter: " + what.get(UUID.fromString(DeliveryCheck.header(l,
                    OutboxHeaders.EVENT_ID))) + " -> " + DeliveryCheck.header(l, OutboxHeaders.DLQ_REASON)));
        }

        private List<ConsumerRecord<byte[], byte[]>> all(String topic) {
            return fixture.readAll(List.of(topic)).values().stream().flatMap(List::stream).toList();
        }
    }
}
