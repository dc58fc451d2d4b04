package io.outboxrelay.relay.kafka;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import io.debezium.embedded.EmbeddedWorkerConfig;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;

/** The relay's offset store on a real broker: Kafka Connect's topic format, reads of its own writes from memory. */
class RememberingOffsetStoreIntegrationTests {

    private final String topic = "offsets-" + UUID.randomUUID();
    private final ByteBuffer position = utf8("[\"relay\",{\"server\":\"relay\"}]");

    @Test
    void answersItsOwnAcknowledgedWriteFromMemoryAndReadsOtherKeysFromTheTopic() throws Exception {
        RememberingOffsetStore store = started();
        try {
            store.set(Map.of(position, utf8("{\"lsn\":100}")), null).get(30, SECONDS);
            ByteBuffer foreign = utf8("[\"other\",{\"server\":\"other\"}]");
            // another writer changes both keys behind the store's back
            writeToTopic(position, "{\"lsn\":999}");
            writeToTopic(foreign, "{\"lsn\":7}");

            assertThat(text(store.get(List.of(position)).get(30, SECONDS).get(position)))
                    .as("its own write, from memory: no read of the topic").isEqualTo("{\"lsn\":100}");
            assertThat(text(store.get(List.of(foreign)).get(30, SECONDS).get(foreign)))
                    .as("a key it never wrote: read from the topic").isEqualTo("{\"lsn\":7}");
        }
        finally {
            store.stop();
        }
    }

    @Test
    void aNewStoreReadsTheLastPositionFromTheTopic() throws Exception {
        RememberingOffsetStore first = started();
        try {
            first.set(Map.of(position, utf8("{\"lsn\":100}")), null).get(30, SECONDS);
            first.set(Map.of(position, utf8("{\"lsn\":200}")), null).get(30, SECONDS);
        }
        finally {
            first.stop();
        }

        RememberingOffsetStore second = started();
        try {
            assertThat(text(second.get(List.of(position)).get(30, SECONDS).get(position))).isEqualTo("{\"lsn\":200}");
        }
        finally {
            second.stop();
        }
    }

    private RememberingOffsetStore started() {
        Map<String, String> props = new HashMap<>();
        props.put("bootstrap.servers", SharedInfrastructure.kafka().bootstrapServers());
        props.put("offset.storage.topic", topic);
        props.put("offset.storage.partitions", "1");
        props.put("offset.storage.replication.factor", "1");
        RememberingOffsetStore store = new RememberingOffsetStore();
        store.configure(new EmbeddedWorkerConfig(props));
        store.start();
        return store;
    }

    private void writeToTopic(ByteBuffer key, String value) throws Exception {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.kafka().bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key.array(), value.getBytes(StandardCharsets.UTF_8))).get(30, SECONDS);
        }
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(ByteBuffer b) {
        return b == null ? null : StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }
}
