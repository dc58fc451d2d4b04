package io.outboxrelay.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class KafkaIntegrationTests {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaIntegrationTests.class);

    @Test
    void startsKafkaAndRoundTripsARecord() throws Exception {
        long start = System.nanoTime();
        try (KafkaInstance kafka = Infrastructure.startKafka()) {
            LOG.info("Start time: Kafka {} ms", (System.nanoTime() - start) / 1_000_000);
            Map<String, Object> common = Map.of("bootstrap.servers", kafka.bootstrapServers());
            try (Admin admin = Admin.create(common)) {
                admin.createTopics(List.of(new NewTopic("testkit-roundtrip", 1, (short) 1))).all().get();
            }

            Map<String, Object> producerConfig = new HashMap<>(common);
            producerConfig.putAll(Map.of("acks", "all", "enable.idempotence", "true"));
            try (KafkaProducer<String, String> producer =
                         new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("testkit-roundtrip", "key-1", "value-1")).get();
            }

            Map<String, Object> consumerConfig = new HashMap<>(common);
            consumerConfig.putAll(Map.of("group.id", "testkit", "auto.offset.reset", "earliest"));
            List<ConsumerRecord<String, String>> received = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer =
                         new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(Set.of("testkit-roundtrip"));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (received.isEmpty() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                }
            }
            assertThat(received).singleElement().satisfies(record -> {
                assertThat(record.key()).isEqualTo("key-1");
                assertThat(record.value()).isEqualTo("value-1");
            });
        }
    }
}
