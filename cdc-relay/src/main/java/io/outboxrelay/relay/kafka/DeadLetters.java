package io.outboxrelay.relay.kafka;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.RelayStats;
import io.outboxrelay.relay.routing.OutboxRouter;
import io.outboxrelay.sql.OutboxHeaders;

/**
 * The {@link KafkaEventSink}'s way out for a row that is at fault, so that the relay goes on in order: the row goes to
 * the dead-letter topic, with the reason, when Kafka refuses to create its topic or refuses its record. Each dead letter
 * is logged on one line. When the dead-letter topic itself cannot be had, or Kafka does not acknowledge a dead letter,
 * the relay must stop: a {@link SendFailedException}.
 */
final class DeadLetters {

    // the sink's name: these lines are the sink's, and operators look for them under it
    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventSink.class);

    private final OutboxRouter router;
    private final RelayStats stats;
    private final TopicProvisioner topics;
    private final long ackTimeoutNanos;

    /**
     * @param topics          creates topics on first use; null leaves that to the broker
     * @param ackTimeoutNanos longest a dead letter's send may wait for its acknowledgement
     */
    DeadLetters(OutboxRouter router, RelayStats stats, TopicProvisioner topics, long ackTimeoutNanos) {
        this.router = router;
        this.stats = stats;
        this.topics = topics;
        this.ackTimeoutNanos = ackTimeoutNanos;
    }

    /** The routed record, or the row's dead letter when Kafka refuses to create its topic; null: nothing to send. */
    ProducerRecord<byte[], byte[]> route(SourceRecord change) throws InterruptedException {
        ProducerRecord<byte[], byte[]> record = router.route(change);
        if (record == null) {
            return null;
        }
        String refusal = topics == null ? null : topics.ensure(record.topic());
        if (refusal != null && !record.topic().equals(router.deadLetterTopic())) {
            record = router.deadLetter(change, refusal);
            refusal = topics.ensure(record.topic());
        }
        if (refusal != null) {
            stats.recordError();
            throw new SendFailedException(refusal + ": the dead-letter topic is needed; check dead.letter.topic", null);
        }
        if (record.topic().equals(router.deadLetterTopic())) {
            log(record);
        }
        return record;
    }

    /**
     * The row goes to the dead-letter topic instead, sent with {@code producer}, waiting for the acknowledgement.
     *
     * @param sent  the record Kafka refused for the row: its event record, or its dead letter
     * @param cause why Kafka refused it, a {@link Failure#ROW}
     * @throws SendFailedException when the relay must stop
     */
    void send(SourceRecord change, ProducerRecord<byte[], byte[]> sent, Throwable cause, Producer<byte[], byte[]> producer)
            throws InterruptedException {
        ProducerRecord<byte[], byte[]> letter = instead(change, sent, cause);
        try {
            String refusal = topics == null ? null : topics.ensure(router.deadLetterTopic());
            if (refusal != null) {
                stats.recordError();
                throw new SendFailedException(refusal + ": the dead-letter topic is needed; check dead.letter.topic", null);
            }
            producer.send(letter).get(ackTimeoutNanos, TimeUnit.NANOSECONDS);
            Acknowledgements.record(stats, router.deadLetterTopic(), change, letter);
        }
        catch (ExecutionException e) {
            if (!sent.topic().equals(router.deadLetterTopic()) && Failure.of(e.getCause()) == Failure.ROW) {
                send(change, letter, e.getCause(), producer);
                return;
            }
            stats.recordError();
            throw new SendFailedException("Kafka did not acknowledge a dead-letter record (" + Failure.describe(e.getCause())
                    + "); the relay stops without saving a position past it", e.getCause());
        }
        catch (TimeoutException e) {
            stats.recordError();
            throw new SendFailedException("Kafka did not acknowledge a dead-letter record within "
                    + TimeUnit.NANOSECONDS.toSeconds(ackTimeoutNanos) + " s; the relay stops without saving a position past it", e);
        }
    }

    /**
     * The dead letter to send in place of {@code sent}, which Kafka refused for the row's fault, logged: the whole row,
     * or without its payload and with long columns cut ({@link OutboxRouter#shrunkDeadLetter}) when the record was too
     * large or was itself the whole row's dead letter. A shrunk dead letter refused in turn is the relay's to stop on.
     *
     * @param sent  the record Kafka refused for the row: its event record, or its dead letter
     * @param cause why Kafka refused it, a {@link Failure#ROW}
     */
    ProducerRecord<byte[], byte[]> instead(SourceRecord change, ProducerRecord<byte[], byte[]> sent, Throwable cause) {
        ProducerRecord<byte[], byte[]> letter;
        if (sent.topic().equals(router.deadLetterTopic())) {
            String reason = header(sent, OutboxHeaders.DLQ_REASON);
            letter = router.shrunkDeadLetter(change, (reason == null ? "" : reason + "; ")
                    + "Kafka refused the dead letter with the whole row (" + Failure.describe(cause) + ")");
        }
        else if (Failure.isSize(cause)) {
            letter = router.shrunkDeadLetter(change, "record too large for Kafka: " + cause.getMessage());
        }
        else {
            letter = router.deadLetter(change, "Kafka refused the record (" + Failure.describe(cause) + ")");
        }
        log(letter);
        return letter;
    }

    /**
     * One line per dead letter, with the event id and the reason: an operator looks for these. The reason may quote what
     * the application wrote (an aggregate type with a newline, say): escaped, so that it cannot forge log lines.
     */
    private static void log(ProducerRecord<byte[], byte[]> letter) {
        LOG.warn("Outbox row with event_id {} sent to dead-letter topic {}: {}", printable(header(letter, OutboxHeaders.EVENT_ID)),
                letter.topic(), printable(header(letter, OutboxHeaders.DLQ_REASON)));
    }

    /** Control, format and line-separating characters as a backslash, 'u' and four hex digits. */
    static String printable(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", c));
            }
            else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
