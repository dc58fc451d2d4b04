package io.outboxrelay.relay.kafka;

import java.util.Arrays;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.Converter;

import io.debezium.embedded.KafkaConnectUtil;

/**
 * The relay's position as a record of the offset topic, byte for byte as Debezium's engine writes it through Kafka
 * Connect's {@code OffsetStorageWriter} (key {@code ["<engine name>", <source partition>]}, value the source offset, both
 * with the engine's JSON converter for offsets), so that the engine, pre-flight, {@code status} and {@code detach} read a
 * position the {@link TransactionalEventSink} wrote like one the engine wrote ({@link SavedPosition}).
 */
final class PositionRecords {

    private final Converter converter = KafkaConnectUtil.converterForOffsetStore();
    private final String offsetTopic;
    private final String engineName;

    /** @param engineName Debezium's {@code name}: the relay's name */
    PositionRecords(String offsetTopic, String engineName) {
        this.offsetTopic = offsetTopic;
        this.engineName = engineName;
    }

    /** The position after {@code change}: where the next start resumes once this record is committed. */
    ProducerRecord<byte[], byte[]> after(SourceRecord change) {
        byte[] key = converter.fromConnectData(engineName, null, Arrays.asList(engineName, change.sourcePartition()));
        byte[] value = converter.fromConnectData(engineName, null, change.sourceOffset());
        return new ProducerRecord<>(offsetTopic, key, value);
    }
}
