package io.outboxrelay.consumers.testsupport;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Kafka records laid out as the relay writes them (docs/events.md): key = aggregate id, headers, JSON payload. */
public final class TestEvents {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestEvents() {
    }

    /** A record with the relay's headers; a null eventId or eventType leaves that header out. */
    public static ProducerRecord<byte[], byte[]> record(String topic, String key, UUID eventId, String eventType,
                                                        String aggregateType, String payload) {
        RecordHeaders headers = new RecordHeaders();
        if (eventId != null) {
            headers.add("eventId", utf8(eventId.toString()));
        }
        if (eventType != null) {
            headers.add("eventType", utf8(eventType));
        }
        headers.add("aggregateType", utf8(aggregateType));
        headers.add("occurredAt", utf8("2026-11-27T10:15:30.123+00:00"));
        return new ProducerRecord<>(topic, null, null, key == null ? null : utf8(key), payload == null ? null : utf8(payload),
                headers);
    }

    public static ProducerRecord<byte[], byte[]> orderPlaced(String topic, UUID orderId, UUID customerId, String total,
                                                             int lineCount, Instant placedAt) {
        return orderPlaced(topic, UUID.randomUUID(), orderId, customerId, 1, total, lineCount, placedAt);
    }

    public static ProducerRecord<byte[], byte[]> orderPlaced(String topic, UUID eventId, UUID orderId, UUID customerId,
                                                             int version, String total, int lineCount, Instant placedAt) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("orderId", orderId.toString());
        payload.put("customerId", customerId.toString());
        payload.put("version", version);
        List<Map<String, Object>> lines = new ArrayList<>();
        for (int i = 0; i < lineCount; i++) {
            lines.add(Map.of("productId", "p-" + i, "quantity", 1, "unitPrice", "1.00"));
        }
        payload.put("lines", lines);
        payload.put("total", total);
        payload.put("currency", "EUR");
        payload.put("placedAt", placedAt.toString());
        return record(topic, orderId.toString(), eventId, "OrderPlaced", "Order", json(payload));
    }

    public static ProducerRecord<byte[], byte[]> orderCancelled(String topic, UUID orderId, UUID customerId, String reason,
                                                                Instant cancelledAt) {
        return orderCancelled(topic, UUID.randomUUID(), orderId, customerId, 2, reason, cancelledAt);
    }

    public static ProducerRecord<byte[], byte[]> orderCancelled(String topic, UUID eventId, UUID orderId, UUID customerId,
                                                                int version, String reason, Instant cancelledAt) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("orderId", orderId.toString());
        payload.put("customerId", customerId.toString());
        payload.put("version", version);
        payload.put("reason", reason);
        payload.put("cancelledAt", cancelledAt.toString());
        return record(topic, orderId.toString(), eventId, "OrderCancelled", "Order", json(payload));
    }

    /** The same record, sent to a fixed partition instead of the key's. */
    public static ProducerRecord<byte[], byte[]> inPartition(ProducerRecord<byte[], byte[]> r, int partition) {
        return new ProducerRecord<>(r.topic(), partition, null, r.key(), r.value(), r.headers());
    }

    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String header(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
