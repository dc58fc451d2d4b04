package io.outboxrelay.bench.orders;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.outboxrelay.sql.EventContract;
import io.outboxrelay.sql.OutboxHeaders;
import io.outboxrelay.testkit.KafkaInstance;

/** The payment bench's input: {@code OrderPlaced} records on a topic, as the relay would have written them. */
final class OrderPlacedRecords {

    private static final ObjectMapper JSON = new ObjectMapper();

    private OrderPlacedRecords() {
    }

    /** OrderPlaced events as the relay writes them: key = order id, the relay's headers, the contract's payload. */
    static void produce(KafkaInstance kafka, String topic, List<UUID> customers, int payments) throws Exception {
        Map<String, Object> props = new HashMap<>(kafka.adminClientProperties());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        SplittableRandom random = new SplittableRandom(42);
        Instant placedAt = Instant.now();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>(payments);
            for (int i = 0; i < payments; i++) {
                // from the seed, so every run declines the same orders (the gateway decides by key)
                UUID orderId = new UUID(random.nextLong(), random.nextLong());
                UUID customerId = customers.get(random.nextInt(customers.size()));
                int quantity = 1 + random.nextInt(3);
                BigDecimal unitPrice = BigDecimal.valueOf(100 + random.nextInt(20_000), 2);
                ObjectNode payload = JSON.createObjectNode()
                        .put("orderId", orderId.toString())
                        .put("customerId", customerId.toString())
                        .put("version", 1);
                payload.putArray("lines").addObject()
                        .put("productId", new UUID(0, 1 + random.nextInt(50)).toString())
                        .put("quantity", quantity)
                        .put("unitPrice", EventContract.amount(unitPrice));
                payload.put("total", EventContract.amount(unitPrice.multiply(BigDecimal.valueOf(quantity))))
                        .put("currency", "EUR")
                        .put("placedAt", EventContract.timestamp(placedAt));
                RecordHeaders headers = new RecordHeaders();
                headers.add(OutboxHeaders.EVENT_ID, utf8(UUID.randomUUID().toString()));
                headers.add(OutboxHeaders.EVENT_TYPE, utf8(EventContract.Order.PLACED));
                headers.add(OutboxHeaders.AGGREGATE_TYPE, utf8(EventContract.Order.AGGREGATE_TYPE));
                headers.add(OutboxHeaders.OCCURRED_AT, utf8(EventContract.timestamp(placedAt)));
                acks.add(producer.send(new ProducerRecord<>(topic, null, null, utf8(orderId.toString()),
                        JSON.writeValueAsBytes(payload), headers)));
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
