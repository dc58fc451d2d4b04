package io.outboxrelay.relay.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import io.outboxrelay.sql.OutboxHeaders;

class OutboxRouterUnitTests {

    private final OutboxRouter router = new OutboxRouter("outbox.${aggregateType}", "outbox.dead-letter",
            Map.of("trace_id", "traceId", "correlation_id", "correlationId"));

    private final OutboxRouter messageRouter = new OutboxRouter("outbox.${aggregateType}", "outbox.dead-letter",
            Map.of("trace_id", "traceId", "correlation_id", "correlationId"), true);

    @Test
    void routesAnEmittedMessageToTheRecordItsRowWouldHaveMade() {
        Map<String, String> row = new HashMap<>(OutboxRows.validRow("e-1", "order-42"));
        row.put("trace_id", "trace-abc");
        ProducerRecord<byte[], byte[]> fromRow = messageRouter.route(OutboxRows.insert(row));

        ProducerRecord<byte[], byte[]> fromMessage = messageRouter.route(
                OutboxRows.message("outbox", OutboxRows.emitted("e-1", "order-42"), 7L));

        assertThat(fromMessage.topic()).isEqualTo(fromRow.topic()).isEqualTo("outbox.Order");
        assertThat(text(fromMessage.key())).isEqualTo(text(fromRow.key())).isEqualTo("order-42");
        assertThat(text(fromMessage.value())).isEqualTo(text(fromRow.value())).isEqualTo("{\"total\": 12.5}");
        assertThat(fromMessage.headers().toArray()).hasSameSizeAs(fromRow.headers().toArray());
        for (Header h : fromRow.headers()) {
            assertThat(header(fromMessage, h.key())).as(h.key()).isEqualTo(text(h.value()));
        }
    }

    @Test
    void ignoresMessagesWhenMessagesAreOffAndMessagesWithAnotherPrefix() {
        assertThat(router.route(OutboxRows.message("outbox", OutboxRows.emitted("e-1", "order-42"), 7L))).isNull();
        assertThat(messageRouter.route(OutboxRows.message("audit", OutboxRows.emitted("e-1", "order-42"), 7L))).isNull();
    }

    @Test
    void sendsMessageWithoutAggregateIdToDeadLetterTopicLikeARow() {
        String content = OutboxRows.emitted("e-7", "x").replace("\"aggregate_id\" : \"x\"", "\"aggregate_id\" : null");
        ProducerRecord<byte[], byte[]> record = messageRouter.route(OutboxRows.message("outbox", content, 7L));

        assertThat(record.topic()).isEqualTo("outbox.dead-letter");
        assertThat(header(record, OutboxHeaders.DLQ_REASON)).isEqualTo("aggregate_id is null or empty");
        assertThat(header(record, OutboxHeaders.DLQ_SOURCE_TABLE)).isEqualTo("message:outbox");
        assertThat(header(record, OutboxHeaders.EVENT_ID)).isEqualTo("e-7");
        assertThat(text(record.key())).isEqualTo("e-7");
        assertThat(text(record.value())).contains("\"event_id\":\"e-7\"").contains("\"payload\":\"{\\\"total\\\": 12.5}\"");
    }

    @Test
    void sendsNonTransactionalMessageToDeadLetterTopic() {
        ProducerRecord<byte[], byte[]> record = messageRouter.route(
                OutboxRows.message("outbox", OutboxRows.emitted("e-8", "order-1"), null));

        assertThat(record.topic()).isEqualTo("outbox.dead-letter");
        assertThat(header(record, OutboxHeaders.DLQ_REASON)).startsWith("logical decoding message is not transactional");
        assertThat(text(record.key())).isEqualTo("order-1");
    }

    @Test
    void sendsOutboxMessageThatIsNoOutboxEventToDeadLetterTopicWithItsContent() {
        ProducerRecord<byte[], byte[]> noNewline = messageRouter.route(OutboxRows.message("outbox", "hello", 7L));
        ProducerRecord<byte[], byte[]> noJsonHead = messageRouter.route(OutboxRows.message("outbox", "hello\n{}", 7L));
        ProducerRecord<byte[], byte[]> badPayload = messageRouter.route(
                OutboxRows.message("outbox", OutboxRows.emitted("e-9", "order-1").replace("12.5}", "12.5"), 7L));

        assertThat(header(noNewline, OutboxHeaders.DLQ_REASON)).contains("is not an outbox event (no newline");
        assertThat(text(noNewline.value())).isEqualTo("{\"content\":\"hello\"}");
        assertThat(noNewline.key()).isNull();
        assertThat(header(noJsonHead, OutboxHeaders.DLQ_REASON)).contains("first line is not a JSON object");
        assertThat(badPayload.topic()).isEqualTo("outbox.dead-letter");
        assertThat(header(badPayload, OutboxHeaders.DLQ_REASON)).startsWith("payload is not valid JSON");
    }

    @Test
    void routesToTopicOfAggregateTypeKeyedByAggregateIdWithPayloadAsWritten() {
        ProducerRecord<byte[], byte[]> record = router.route(OutboxRows.insert(OutboxRows.validRow("e-1", "order-42")));

        assertThat(record.topic()).isEqualTo("outbox.Order");
        assertThat(text(record.key())).isEqualTo("order-42");
        assertThat(text(record.value())).isEqualTo("{\"total\": 12.5}");
        assertThat(header(record, OutboxHeaders.EVENT_ID)).isEqualTo("e-1");
        assertThat(header(record, OutboxHeaders.EVENT_TYPE)).isEqualTo("OrderPlaced");
        assertThat(header(record, OutboxHeaders.AGGREGATE_TYPE)).isEqualTo("Order");
        assertThat(header(record, OutboxHeaders.OCCURRED_AT)).isEqualTo("2026-11-27T10:15:30.123456Z");
        assertThat(record.partition()).as("the key decides the partition").isNull();
    }

    @Test
    void sendsMappedColumnsAsHeadersOnlyWhenSet() {
        Map<String, String> row = new HashMap<>(OutboxRows.validRow("e-1", "order-42"));
        row.put("trace_id", "trace-abc");
        ProducerRecord<byte[], byte[]> record = router.route(OutboxRows.insert(row));

        assertThat(header(record, "traceId")).isEqualTo("trace-abc");
        assertThat(record.headers().lastHeader("correlationId")).isNull();
    }

    @Test
    void sendsRowWithoutAggregateIdToDeadLetterTopicWithReasonAndWholeRow() {
        Map<String, String> row = new HashMap<>(OutboxRows.validRow("e-7", "x"));
        row.remove("aggregate_id");
        ProducerRecord<byte[], byte[]> record = router.route(OutboxRows.insert(row));

        assertThat(record.topic()).isEqualTo("outbox.dead-letter");
        assertThat(header(record, OutboxHeaders.DLQ_REASON)).isEqualTo("aggregate_id is null or empty");
        assertThat(header(record, OutboxHeaders.DLQ_SOURCE_TABLE)).isEqualTo("outbox.event");
        assertThat(header(record, OutboxHeaders.EVENT_ID)).isEqualTo("e-7");
        assertThat(text(record.value())).contains("\"event_id\":\"e-7\"").contains("\"payload\":\"{\\\"total\\\": 12.5}\"");
    }

    @Test
    void sendsAggregateTypeThatIsNoLegalTopicNameToDeadLetterTopic() {
        Map<String, String> row = new HashMap<>(OutboxRows.validRow("e-8", "order-1"));
        row.put("aggregate_type", "Order Line/EU");
        ProducerRecord<byte[], byte[]> record = router.route(OutboxRows.insert(row));

        assertThat(record.topic()).isEqualTo("outbox.dead-letter");
        assertThat(header(record, OutboxHeaders.DLQ_REASON)).contains("'outbox.Order Line/EU'").contains("not a legal Kafka topic name");
    }

    @Test
    void sendsRowWithoutEventTypeOrPayloadToDeadLetterTopic() {
        Map<String, String> noType = new HashMap<>(OutboxRows.validRow("e-9", "order-1"));
        noType.remove("event_type");
        Map<String, String> noPayload = new HashMap<>(OutboxRows.validRow("e-10", "order-1"));
        noPayload.remove("payload");

        assertThat(header(router.route(OutboxRows.insert(noType)), OutboxHeaders.DLQ_REASON)).isEqualTo("event_type is null or empty");
        assertThat(header(router.route(OutboxRows.insert(noPayload)), OutboxHeaders.DLQ_REASON)).isEqualTo("payload is null");
    }

    @Test
    void ignoresUpdatesDeletesAndDebeziumHeartbeats() {
        Schema heartbeatSchema = SchemaBuilder.struct().field("ts_ms", Schema.INT64_SCHEMA).build();
        SourceRecord heartbeat = new SourceRecord(Map.of(), Map.of(), "__debezium-heartbeat.relay", heartbeatSchema,
                new Struct(heartbeatSchema).put("ts_ms", 1L));

        assertThat(router.route(heartbeat)).isNull();
        assertThat(router.route(OutboxRows.change("u", OutboxRows.validRow("e-1", "a")))).isNull();
        assertThat(router.route(OutboxRows.change("d", OutboxRows.validRow("e-1", "a")))).isNull();
        assertThat(router.route(OutboxRows.change("r", OutboxRows.validRow("e-1", "a")))).as("snapshot reads are events").isNotNull();
    }

    @Test
    void shrunkDeadLetterForARecordTooLargeKeepsIdentityButDropsThePayload() {
        ProducerRecord<byte[], byte[]> record = router.shrunkDeadLetter(OutboxRows.insert(OutboxRows.validRow("e-3", "order-9")),
                "record too large");

        assertThat(record.topic()).isEqualTo("outbox.dead-letter");
        assertThat(text(record.key())).isEqualTo("order-9");
        assertThat(text(record.value())).contains("\"event_id\":\"e-3\"").contains("\"payload_chars\":15").doesNotContain("total");
    }

    @Test
    void shrunkDeadLetterCutsEveryLongColumnAndItsKeySoThatItAlwaysFits() {
        Map<String, String> row = new HashMap<>(OutboxRows.validRow("e-4", "a".repeat(3_000_000)));
        row.put("event_type", "t".repeat(50_000));
        ProducerRecord<byte[], byte[]> record = router.shrunkDeadLetter(OutboxRows.insert(row), "r".repeat(5_000));

        assertThat(record.key()).hasSize(OutboxRouter.SHRUNK_CHARS + "... (3000000 characters)".length());
        assertThat(text(record.value())).contains("a".repeat(OutboxRouter.SHRUNK_CHARS) + "... (3000000 characters)")
                .contains("t".repeat(OutboxRouter.SHRUNK_CHARS) + "... (50000 characters)").hasSizeLessThan(4_000);
        assertThat(header(record, OutboxHeaders.DLQ_REASON)).hasSize(OutboxRouter.SHRUNK_CHARS + 3);
    }

    @Test
    void deadLetterForARefusedTopicKeepsTheWholeRow() {
        ProducerRecord<byte[], byte[]> record = router.deadLetter(OutboxRows.insert(OutboxRows.validRow("e-5", "order-9")),
                "Kafka refused to create topic outbox.Order");

        assertThat(text(record.value())).contains("\"payload\":\"{\\\"total\\\": 12.5}\"");
        assertThat(header(record, OutboxHeaders.DLQ_REASON)).isEqualTo("Kafka refused to create topic outbox.Order");
    }

    @Test
    void rejectsAggregateTypesThatRouteIntoTheDeadLetterOffsetOrKafkaInternalTopics() {
        OutboxRouter bare = new OutboxRouter("${aggregateType}", "outbox.dead-letter", Map.of(), false, "outbox-relay.offsets");
        Map<String, String> expected = Map.of(
                "outbox.dead-letter", "the relay's dead-letter topic",
                "outbox-relay.offsets", "the relay's offset topic",
                "__consumer_offsets", "reserved for Kafka's internal topics",
                "__transaction_state", "reserved for Kafka's internal topics");
        expected.forEach((type, reason) -> {
            Map<String, String> row = new HashMap<>(OutboxRows.validRow("e-6", "order-1"));
            row.put("aggregate_type", type);
            ProducerRecord<byte[], byte[]> record = bare.route(OutboxRows.insert(row));
            assertThat(record.topic()).as(type).isEqualTo("outbox.dead-letter");
            assertThat(header(record, OutboxHeaders.DLQ_REASON)).as(type)
                    .isEqualTo("aggregate_type '" + type + "' gives topic '" + type + "', which is " + reason
                            + (reason.startsWith("reserved") ? " (names starting with '__')" : ""));
        });
        Map<String, String> row = new HashMap<>(OutboxRows.validRow("e-7", "order-1"));
        row.put("aggregate_type", "dead-letter");
        assertThat(router.route(OutboxRows.insert(row)).topic()).as("with the default pattern too").isEqualTo("outbox.dead-letter");
        assertThat(header(router.route(OutboxRows.insert(row)), OutboxHeaders.DLQ_REASON)).endsWith("the relay's dead-letter topic");
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : text(h.value());
    }

    @Test
    void neverSendsRowsOfTheHeartbeatTable() {
        assertThat(router.route(OutboxRows.insertInto("heartbeat", Map.of()))).isNull();
    }

    @Test
    void sendsTextPayloadThatIsNotOneJsonValueToDeadLetterTopic() {
        Map<String, String> row = new HashMap<>(OutboxRows.validRow("e-11", "order-1"));
        row.remove("occurred_at");
        row.put("payload", "{\"total\": 12.5");
        ProducerRecord<byte[], byte[]> broken = router.route(OutboxRows.insertWithTextPayload(row));
        row.put("payload", "{} {}");
        ProducerRecord<byte[], byte[]> two = router.route(OutboxRows.insertWithTextPayload(row));
        row.put("payload", "[1, \"two\"]");
        ProducerRecord<byte[], byte[]> fine = router.route(OutboxRows.insertWithTextPayload(row));

        assertThat(broken.topic()).isEqualTo("outbox.dead-letter");
        assertThat(header(broken, OutboxHeaders.DLQ_REASON)).startsWith("payload is not valid JSON (").doesNotContain("\n");
        assertThat(header(broken, OutboxHeaders.DLQ_SOURCE_TABLE)).isEqualTo("outbox.text_event");
        assertThat(header(two, OutboxHeaders.DLQ_REASON)).startsWith("payload is not valid JSON (");
        assertThat(fine.topic()).isEqualTo("outbox.Order");
        assertThat(text(fine.value())).isEqualTo("[1, \"two\"]");
    }

    @Test
    void keysDeadLetterWithoutAggregateIdByItsEventId() {
        Map<String, String> row = new HashMap<>(OutboxRows.validRow("e-12", "x"));
        row.put("aggregate_id", "");

        assertThat(text(router.route(OutboxRows.insert(row)).key())).isEqualTo("e-12");
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
