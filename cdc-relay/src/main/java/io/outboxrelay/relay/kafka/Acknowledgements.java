package io.outboxrelay.relay.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
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
        // what the console may show later, without the record's value: decoded only when it asks
        String topic = sent.topic();
        byte[] key = sent.key();
        Headers headers = sent.headers();
        Instant committedAt = KafkaEventSink.committedAt(change);
        long acknowledgedAt = System.currentTimeMillis();
        if (deadLetter) {
            stats.recent().addDeadLetter(() -> new RecentEvents.DeadLetter(header(headers, OutboxHeaders.DLQ_REASON),
                    header(headers, OutboxHeaders.DLQ_SOURCE_TABLE), header(headers, OutboxHeaders.EVENT_ID), committedAt,
                    Instant.ofEpochMilli(acknowledgedAt)));
        }
        else {
            stats.recent().addEvent(() -> new RecentEvents.Event(topic, key == null ? null : new String(key, StandardCharsets.UTF_8),
                    header(headers, OutboxHeaders.EVENT_TYPE), header(headers, OutboxHeaders.EVENT_ID), committedAt,
                    Instant.ofEpochMilli(acknowledgedAt)));
        }
    }

    private static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
