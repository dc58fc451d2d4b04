package io.outboxrelay.relay.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.testsupport.Delivery;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.sql.OutboxHeaders;
import io.outboxrelay.sql.OutboxWriter;
import io.outboxrelay.testkit.DeliveryCheck;

/**
 * outbox.messages=true against real PostgreSQL and Kafka: events written with outbox.emit (transactional logical
 * decoding messages) arrive like table rows, once, in commit order per aggregate, mixed with table rows.
 */
class LogicalMessageOutboxIntegrationTests {

    private static final Map<String, String> MESSAGES = Map.of("outbox.messages", "true");
    private static final String OCCURRED_AT = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z";

    @Test
    void relaysEmittedEventsAndTableRowsOnceInCommitOrderPerAggregateAndDeadLettersMalformedMessages() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        new SampleEventLoad(fixture.dataSource()).prepare(40);
        UUID rolledBack = UUID.randomUUID();
        UUID withoutAggregateId = UUID.randomUUID();
        UUID notTransactional = UUID.randomUUID();
        SampleEventLoad.Result messages;
        SampleEventLoad.Result rows;
        try (Relay relay = Relay.start(fixture.relayConfig(MESSAGES))) {
            // the same aggregates written both ways at once: their versions interleave, so per-aggregate commit
            // order is checked across the two paths
            CompletableFuture<SampleEventLoad.Result> tableLoad = CompletableFuture.supplyAsync(() -> load(fixture,
                    OutboxWriter.Target.TABLE, new SampleEventLoad.Plan(300, 1, 1, 20, 15, 40, 150)));
            messages = load(fixture, OutboxWriter.Target.MESSAGES, new SampleEventLoad.Plan(1_200, 3, 1, 40, 15, 40, 150));
            rows = tableLoad.get();
            fixture.sql("BEGIN; SELECT outbox.emit('" + rolledBack + "', 'Order', 'agg-0', 'SampleChanged', '{}'); ROLLBACK");
            fixture.sql("SELECT pg_logical_emit_message(true, 'outbox', '{\"event_id\": \"" + withoutAggregateId
                    + "\", \"aggregate_type\": \"Order\", \"aggregate_id\": null, \"event_type\": \"SampleChanged\"}'"
                    + " || E'\\n' || '{\"version\": 0}')");
            fixture.sql("SELECT pg_logical_emit_message(false, 'outbox', '{\"event_id\": \"" + notTransactional
                    + "\", \"aggregate_type\": \"Order\", \"aggregate_id\": \"agg-1\", \"event_type\": \"SampleChanged\"}'"
                    + " || E'\\n' || '{\"version\": 0}')");
            fixture.sql("SELECT pg_logical_emit_message(true, 'someone-else', 'not ours')");
            int expected = messages.committed().size() + rows.committed().size() + 2;
            fixture.awaitDelivered(expected);
            assertThat(relay.state()).isEqualTo(Relay.State.RUNNING);
        }
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> all = fixture.readAll(fixture.sampleTopics());
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> events = new HashMap<>(all);
        List<ConsumerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
        all.forEach((tp, records) -> {
            if (tp.topic().endsWith(".dead-letter")) {
                events.remove(tp);
                deadLetters.addAll(records);
            }
        });
        Delivery delivery = Delivery.compare(merge(messages, rows), fixture.topicPrefix, events);

        assertThat(messages.rolledBack()).as("the load rolled some emits back").isNotEmpty();
        assertThat(delivery.lost).as("lost: " + delivery).isEmpty();
        assertThat(delivery.duplicates).as("duplicated: " + delivery).isEmpty();
        assertThat(delivery.fromRolledBack).as("from rolled-back transactions: " + delivery).isEmpty();
        assertThat(delivery.misrouted).as("wrong topic, key or headers: " + delivery).isEmpty();
        assertThat(delivery.orderViolations).as("out of commit order: " + delivery).isEmpty();
        assertThat(delivery.delivered).isEqualTo(messages.committed().size() + rows.committed().size());
        List<String> eventIds = events.values().stream().flatMap(List::stream)
                .map(r -> DeliveryCheck.header(r, OutboxHeaders.EVENT_ID)).toList();
        assertThat(eventIds).doesNotContain(rolledBack.toString());
        // both paths give occurredAt in the same form (Debezium renders the timestamptz column with six digits)
        Set<String> fromMessages = messages.committed().stream().map(w -> w.eventId().toString()).collect(Collectors.toSet());
        events.values().stream().flatMap(List::stream).forEach(r -> assertThat(DeliveryCheck.header(r, OutboxHeaders.OCCURRED_AT))
                .as(fromMessages.contains(DeliveryCheck.header(r, OutboxHeaders.EVENT_ID)) ? "message" : "row").matches(OCCURRED_AT));

        assertThat(deadLetters).extracting(r -> DeliveryCheck.header(r, OutboxHeaders.EVENT_ID) + ": "
                + DeliveryCheck.header(r, OutboxHeaders.DLQ_REASON)).satisfiesExactlyInAnyOrder(
                        line -> assertThat(line).isEqualTo(withoutAggregateId + ": aggregate_id is null or empty"),
                        line -> assertThat(line).startsWith(notTransactional + ": logical decoding message is not transactional"));
        assertThat(deadLetters).allSatisfy(r -> assertThat(DeliveryCheck.header(r, OutboxHeaders.DLQ_SOURCE_TABLE)).isEqualTo("message:outbox"));
    }

    /**
     * Debezium 3.6.1 re-reads the transaction holding the last saved message after a restart (debezium/dbz#2004):
     * this pins down how many events a graceful restart re-sends with the relay's offsets (heartbeats off, so the
     * last saved position is a message's), and that they are exactly the last transaction's.
     */
    @Test
    void gracefulRestartReSendsAtMostTheLastTransactionOfMessagesAndLosesNothing() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        Map<String, String> settings = new HashMap<>(MESSAGES);
        settings.put("heartbeat.interval.ms", "0");
        List<List<UUID>> transactions = new ArrayList<>();
        try (Relay relay = Relay.start(fixture.relayConfig(settings))) {
            for (int tx = 0; tx < 5; tx++) {
                transactions.add(emitTransaction(fixture, 20));
            }
            fixture.awaitDelivered(100);
        }
        try (Relay relay = Relay.start(fixture.relayConfig(settings))) {
            transactions.add(emitTransaction(fixture, 20));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> received(fixture).containsAll(transactions.get(5)));
        }
        List<String> received = fixture.readAll(List.of(fixture.topic("Order"))).values().stream().flatMap(List::stream)
                .map(r -> DeliveryCheck.header(r, OutboxHeaders.EVENT_ID)).toList();
        Map<String, Long> counts = received.stream().collect(Collectors.groupingBy(id -> id, Collectors.counting()));
        Set<String> duplicated = counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
        System.out.println("LogicalMessageOutbox: a graceful restart re-sent " + duplicated.size() + " of 100 events");

        assertThat(counts.keySet()).as("nothing lost").containsAll(transactions.stream().flatMap(List::stream)
                .map(UUID::toString).toList());
        assertThat(counts.values()).as("re-sent at most once").allMatch(n -> n <= 2);
        assertThat(transactions.get(4).stream().map(UUID::toString).collect(Collectors.toSet()))
                .as("only the last transaction before the stop is re-sent").containsAll(duplicated);
    }

    private static List<UUID> emitTransaction(RelayFixture fixture, int events) throws Exception {
        List<OutboxWriter.NewEvent> tx = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            UUID id = UUID.randomUUID();
            tx.add(new OutboxWriter.NewEvent(id, "Order", "agg-" + i % 3, "SampleChanged", "{\"n\": " + i + "}", null, null));
        }
        try (java.sql.Connection c = fixture.dataSource().getConnection()) {
            c.setAutoCommit(false);
            new OutboxWriter(OutboxWriter.Target.MESSAGES).write(c, tx);
            c.commit();
        }
        return tx.stream().map(OutboxWriter.NewEvent::eventId).toList();
    }

    private static Set<UUID> received(RelayFixture fixture) {
        return fixture.readAll(List.of(fixture.topic("Order"))).values().stream().flatMap(List::stream)
                .map(r -> UUID.fromString(DeliveryCheck.header(r, OutboxHeaders.EVENT_ID))).collect(Collectors.toSet());
    }

    private static SampleEventLoad.Result load(RelayFixture fixture, OutboxWriter.Target target, SampleEventLoad.Plan plan) {
        try {
            return new SampleEventLoad(fixture.dataSource(), target).run(plan, n -> { });
        }
        catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static SampleEventLoad.Result merge(SampleEventLoad.Result a, SampleEventLoad.Result b) {
        List<SampleEventLoad.Written> committed = new ArrayList<>(a.committed());
        committed.addAll(b.committed());
        List<UUID> rolledBack = new ArrayList<>(a.rolledBack());
        rolledBack.addAll(b.rolledBack());
        return new SampleEventLoad.Result(committed, rolledBack, a.transactions() + b.transactions());
    }
}
