package io.outboxrelay.relay.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.source.SourceRecord;

import io.outboxrelay.relay.RecentEvents;
import io.outboxrelay.relay.RelayStats;
import io.outboxrelay.sql.OutboxHeaders;

/**
 * What both sinks record of a record once Kafka acknowledged it (at-least-once) or committed its transaction
 * (exactly-once): the count, and the event or dead letter among the recent ones, read from the record's key and
 * headers (never its value: the console shows no payload).
 */
final class Acknowledgements {

    private Acknowledgements() {
    }

    static void record(RelayStats stats, String deadLetterTopic, SourceRecord change, ProducerRecord<byte[], byte[]> sent) {
        boolean deadLetter = sent.topic().equals(deadLetterTopic);
        stats.recordRelayed(deadLetter);
        Instant committedAt = KafkaEventSink.lastEvent(change, sent).committedAt();
        Instant now = Instant.now();
        String eventId = header(sent, OutboxHeaders.EVENT_ID);
        if (deadLetter) {
            stats.recent().add(new RecentEvents.DeadLetter(header(sent, OutboxHeaders.DLQ_REASON),
                    header(sent, OutboxHeaders.DLQ_SOURCE_TABLE), eventId, committedAt, now));
        }
        else {
            stats.recent().add(new RecentEvents.Event(sent.topic(), sent.key() == null ? null
                    : new String(sent.key(), StandardCharsets.UTF_8), header(sent, OutboxHeaders.EVENT_TYPE), eventId,
                    committedAt, now));
        }
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
