package io.outboxrelay.consumers.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Decides what happens to one record, and does it durably before returning:
 * <ol>
 *   <li>no UUID {@code eventId} header, no {@code eventType} header, an event type the handler
 *       neither handles nor ignores, a value larger than {@link ConsumerSettings#maxPayloadBytes()} or
 *       one that is not a JSON object: dead-letter topic;</li>
 *   <li>an ignored event type: recorded as processed, the handler is not called;</li>
 *   <li>otherwise the handler runs in an {@link IdempotentTransaction}; an event it rejects, or
 *       whose data the database rejects, goes to the dead-letter topic.</li>
 * </ol>
 * Transient SQL errors are retried with exponential backoff; when the attempts run out, or on an
 * error that is neither transient nor the event's fault, it throws {@link ConsumerFailedException}.
 */
final class RecordProcessor {

    private static final Logger LOG = LoggerFactory.getLogger(RecordProcessor.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** A UUID is 36 characters and event types are names: more than this quotes something else. */
    private static final int QUOTED_CHARS = 200;

    private final EventHandler handler;
    private final Set<String> handled;
    private final Set<String> ignored;
    private final IdempotentTransaction transaction;
    private final DeadLetterPublisher deadLetters;
    private final ConsumerMetrics metrics;
    private final ConsumerSettings settings;
    private final CountDownLatch stopSignal;
    private final FaultPoint faultPoint = FaultPoint.CONFIGURED;

    RecordProcessor(EventHandler handler, IdempotentTransaction transaction, DeadLetterPublisher deadLetters,
                    ConsumerMetrics metrics, ConsumerSettings settings, CountDownLatch stopSignal) {
        this.handler = handler;
        this.handled = Set.copyOf(handler.handledEventTypes());
        this.ignored = Set.copyOf(handler.ignoredEventTypes());
        this.transaction = transaction;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.settings = settings;
        this.stopSignal = stopSignal;
        Set<String> both = new TreeSet<>(handled);
        both.retainAll(ignored);
        if (!both.isEmpty()) {
            throw new IllegalArgumentException("event types both handled and ignored: " + both);
        }
    }

    /**
     * @return true once the record is durably done with (applied, skipped or dead-lettered), so its
     *         offset may be committed; false if a stop was requested while waiting to retry it
     */
    boolean process(ConsumerRecord<byte[], byte[]> record) throws InterruptedException {
        Map<String, String> headers = headers(record);
        String eventIdText = headers.get(EventHeaders.EVENT_ID);
        if (eventIdText == null) {
            return deadLetter(record, "missing " + EventHeaders.EVENT_ID + " header");
        }
        UUID eventId = uuidOrNull(eventIdText);
        if (eventId == null) {
            return deadLetter(record, EventHeaders.EVENT_ID + " header is not a UUID: '" + quoted(eventIdText) + "'");
        }
        String eventType = headers.get(EventHeaders.EVENT_TYPE);
        if (eventType == null || eventType.isEmpty()) {
            return deadLetter(record, "missing " + EventHeaders.EVENT_TYPE + " header");
        }
        if (ignored.contains(eventType)) {
            return inTransaction(record, eventId, connection -> { }, metrics::ignored);
        }
        if (!handled.contains(eventType)) {
            return deadLetter(record, "unknown event type '" + quoted(eventType) + "': handled are " + new TreeSet<>(handled)
                    + ", ignored are " + new TreeSet<>(ignored));
        }
        if (record.value() != null && record.value().length > settings.maxPayloadBytes()) {
            return deadLetter(record, "payload of " + record.value().length + " bytes is larger than the consumer accepts ("
                    + settings.maxPayloadBytes() + " bytes, maxPayloadBytes)");
        }
        JsonNode payload;
        try {
            payload = record.value() == null ? null : JSON.readTree(record.value());
        } catch (JacksonException e) {
            return deadLetter(record, "payload is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return deadLetter(record, "payload cannot be read: " + e.getMessage());
        }
        if (payload == null || !payload.isObject()) {
            return deadLetter(record, "payload is not a JSON object");
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        Event event = new Event(eventId, eventType, headers.get(EventHeaders.AGGREGATE_TYPE), key,
                headers.get(EventHeaders.OCCURRED_AT), payload, headers, record.topic(), record.partition(), record.offset());
        return inTransaction(record, eventId, connection -> handler.handle(event, connection), metrics::handled);
    }

    private boolean inTransaction(ConsumerRecord<byte[], byte[]> record, UUID eventId, IdempotentTransaction.Work work,
                                  Runnable onApplied) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                if (transaction.run(eventId, work)) {
                    faultPoint.afterDatabaseCommit();
                    onApplied.run();
                } else {
                    LOG.debug("Event {} at {}-{}@{} was already processed", eventId, record.topic(), record.partition(),
                            record.offset());
                    metrics.duplicate();
                }
                return true;
            } catch (RejectedEventException e) {
                return deadLetter(record, "rejected by handler: " + e.getMessage());
            } catch (SQLException e) {
                switch (SqlErrors.classify(e)) {
                    case REJECTS_EVENT:
                        return deadLetter(record, "database rejected the event (SQLState " + e.getSQLState() + "): "
                                + e.getMessage());
                    case TRANSIENT:
                        if (attempt >= settings.maxAttempts()) {
                            throw new ConsumerFailedException("event " + eventId + " at " + where(record) + " failed "
                                    + attempt + " times with transient database errors; last: " + e.getMessage(), e);
                        }
                        Duration wait = settings.backoff(attempt);
                        LOG.warn("Transient database error on event {} at {} (attempt {} of {}), retrying in {} ms: {} {}",
                                eventId, where(record), attempt, settings.maxAttempts(), wait.toMillis(), e.getSQLState(),
                                e.getMessage());
                        metrics.retried();
                        if (stopSignal.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                            return false;
                        }
                        break;
                    default:
                        throw new ConsumerFailedException("event " + eventId + " at " + where(record)
                                + " failed with a database error that is neither transient nor caused by the event ("
                                + e.getSQLState() + ": " + e.getMessage() + "); the consumer stops", e);
                }
            } catch (RuntimeException e) {
                // a handler bug: dead-lettering would quietly drain every later event into the dead-letter topic
                throw new ConsumerFailedException("handler failed on event " + eventId + " at " + where(record) + ": " + e, e);
            }
        }
    }

    private boolean deadLetter(ConsumerRecord<byte[], byte[]> record, String reason) throws InterruptedException {
        deadLetters.publish(record, reason);
        metrics.deadLettered();
        return true;
    }

    private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header h : record.headers()) {
            if (h.value() != null) {
                headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
            }
        }
        return headers;
    }

    /** A header value as a reason quotes it: short enough that the handled types after it are still read. */
    private static String quoted(String headerValue) {
        return PrintableText.of(headerValue, QUOTED_CHARS);
    }

    private static UUID uuidOrNull(String text) {
        try {
            UUID uuid = UUID.fromString(text);
            // fromString also accepts short forms like "1-2-3-4-5"; require the canonical text
            return uuid.toString().equalsIgnoreCase(text) ? uuid : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String where(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }
}
