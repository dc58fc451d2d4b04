package io.outboxrelay.consumers.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
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

import io.outboxrelay.sql.OutboxHeaders;

/**
 * Decides what happens to the records of one poll, and does it durably before returning:
 * <ol>
 *   <li>no UUID {@code eventId} header, no {@code eventType} header, an event type the handler
 *       neither handles nor ignores, a value larger than {@link ConsumerSettings#maxPayloadBytes()} or
 *       one that is not a JSON object: dead-letter topic;</li>
 *   <li>the rest in one {@link IdempotentTransaction}: every event id recorded as processed in one
 *       statement, which also tells which were processed before (skipped, as is a second record with the
 *       same id); the handler given the new events of handled types in the order read, ignored types
 *       only recorded. An event the handler rejects, or whose data the database rejects, goes to the
 *       dead-letter topic and the batch is applied again without it (split in halves until the event is
 *       found, when the error does not name it): only that event is dead-lettered, its neighbours applied.</li>
 * </ol>
 * Transient SQL errors retry the transaction with exponential backoff; when the attempts run out, or on
 * an error that is neither transient nor the event's fault, it throws {@link ConsumerFailedException}.
 */
final class RecordProcessor {

    private static final Logger LOG = LoggerFactory.getLogger(RecordProcessor.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** A UUID is 36 characters and event types are names: more than this quotes something else. */
    private static final int QUOTED_CHARS = 200;

    /** A record that passed the checks: its id, and the event for the handler (null for an ignored type). */
    private record Pending(ConsumerRecord<byte[], byte[]> record, UUID eventId, Event event) {
    }

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

    /** One record alone: {@link #process(List)} of it. */
    boolean process(ConsumerRecord<byte[], byte[]> record) throws InterruptedException {
        return process(List.of(record));
    }

    /**
     * @param records one poll's records, each partition's in offset order
     * @return true once every record is durably done with (applied, skipped or dead-lettered), so their
     *         offsets may be committed; false if a stop was requested while waiting to retry (some may be done:
     *         read again, they are skipped)
     */
    boolean process(List<ConsumerRecord<byte[], byte[]>> records) throws InterruptedException {
        List<Pending> pending = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            Pending p = check(record);
            if (p != null) {
                pending.add(p);
            }
        }
        // chunks of the batch still to apply, in order: a rejected event splits or shrinks its chunk
        Deque<List<Pending>> chunks = new ArrayDeque<>();
        if (!pending.isEmpty()) {
            chunks.add(pending);
        }
        while (!chunks.isEmpty()) {
            List<Pending> chunk = chunks.poll();
            List<List<Pending>> instead = applyOrSplit(chunk);
            if (instead == null) {
                return false;
            }
            for (int i = instead.size() - 1; i >= 0; i--) {
                chunks.addFirst(instead.get(i));
            }
        }
        return true;
    }

    /** The record as the handler will see it, or null when it went to the dead-letter topic. */
    private Pending check(ConsumerRecord<byte[], byte[]> record) throws InterruptedException {
        Map<String, String> headers = headers(record);
        String eventIdText = headers.get(OutboxHeaders.EVENT_ID);
        if (eventIdText == null) {
            return deadLettered(record, "missing " + OutboxHeaders.EVENT_ID + " header");
        }
        UUID eventId = uuidOrNull(eventIdText);
        if (eventId == null) {
            return deadLettered(record, OutboxHeaders.EVENT_ID + " header is not a UUID: '" + quoted(eventIdText) + "'");
        }
        String eventType = headers.get(OutboxHeaders.EVENT_TYPE);
        if (eventType == null || eventType.isEmpty()) {
            return deadLettered(record, "missing " + OutboxHeaders.EVENT_TYPE + " header");
        }
        if (ignored.contains(eventType)) {
            return new Pending(record, eventId, null);
        }
        if (!handled.contains(eventType)) {
            return deadLettered(record, "unknown event type '" + quoted(eventType) + "': handled are " + new TreeSet<>(handled)
                    + ", ignored are " + new TreeSet<>(ignored));
        }
        if (record.value() != null && record.value().length > settings.maxPayloadBytes()) {
            return deadLettered(record, "payload of " + record.value().length + " bytes is larger than the consumer accepts ("
                    + settings.maxPayloadBytes() + " bytes, maxPayloadBytes)");
        }
        JsonNode payload;
        try {
            payload = record.value() == null ? null : JSON.readTree(record.value());
        } catch (JacksonException e) {
            return deadLettered(record, "payload is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return deadLettered(record, "payload cannot be read: " + e.getMessage());
        }
        if (payload == null || !payload.isObject()) {
            return deadLettered(record, "payload is not a JSON object");
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        Event event = new Event(eventId, eventType, headers.get(OutboxHeaders.AGGREGATE_TYPE), key,
                headers.get(OutboxHeaders.OCCURRED_AT), payload, headers, record.topic(), record.partition(), record.offset());
        return new Pending(record, eventId, event);
    }

    /**
     * Applies {@code chunk} in one transaction, retrying transient errors.
     *
     * @return empty when it is done; the chunks to apply instead when an event had to be taken out (dead-lettered) or
     *         the chunk split to find it; null when a stop was requested while waiting to retry
     */
    private List<List<Pending>> applyOrSplit(List<Pending> chunk) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            long started = System.nanoTime();
            Map<Pending, String> rejected = new LinkedHashMap<>();
            List<Event> given = new ArrayList<>();
            try {
                Set<UUID> fresh = transaction.runBatch(ids(chunk), (connection, newIds) -> {
                    rejected.clear();
                    given.clear();
                    given.addAll(firstNew(chunk, newIds));
                    handler.handleBatch(List.copyOf(given), connection, (event, reason) -> rejected.put(find(chunk, event), reason));
                    for (Map.Entry<Pending, String> r : rejected.entrySet()) {
                        deadLetter(r.getKey().record(), "rejected by handler: " + r.getValue());
                    }
                    // a rejected event is not processed: once its cause is fixed, replaying the topic applies it
                    transaction.forget(connection, rejected.keySet().stream().map(Pending::eventId).toList());
                });
                faultPoint.afterDatabaseCommit(chunk.size());
                metrics.batch(chunk.size(), System.nanoTime() - started);
                count(chunk, fresh, given, rejected);
                return List.of();
            } catch (RejectedEventException e) {
                Pending culprit = e.event() == null ? null : find(chunk, e.event());
                if (culprit != null || chunk.size() == 1) {
                    Pending out = culprit != null ? culprit : chunk.get(0);
                    deadLetter(out.record(), "rejected by handler: " + e.getMessage());
                    return List.of(without(chunk, out));
                }
                return halves(chunk);
            } catch (SQLException e) {
                switch (SqlErrors.classify(e)) {
                    case REJECTS_EVENT -> {
                        Pending culprit = e instanceof EventSQLException es ? find(chunk, es.event()) : null;
                        if (culprit != null || chunk.size() == 1) {
                            Pending out = culprit != null ? culprit : chunk.get(0);
                            deadLetter(out.record(), "database rejected the event (SQLState " + e.getSQLState() + "): "
                                    + e.getMessage());
                            return List.of(without(chunk, out));
                        }
                        return halves(chunk);
                    }
                    case TRANSIENT -> {
                        if (attempt >= settings.maxAttempts()) {
                            throw new ConsumerFailedException(describe(chunk) + " failed " + attempt
                                    + " times with transient database errors; last: " + e.getMessage(), e);
                        }
                        Duration wait = settings.backoff(attempt);
                        LOG.warn("Transient database error on {} (attempt {} of {}), retrying in {} ms: {} {}", describe(chunk),
                                attempt, settings.maxAttempts(), wait.toMillis(), e.getSQLState(), e.getMessage());
                        metrics.retried();
                        if (stopSignal.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                            return null;
                        }
                    }
                    default -> throw new ConsumerFailedException(describe(chunk)
                            + " failed with a database error that is neither transient nor caused by an event ("
                            + e.getSQLState() + ": " + e.getMessage() + "); the consumer stops", e);
                }
            } catch (ConsumerFailedException e) {
                throw e;
            } catch (RuntimeException e) {
                // a handler bug: dead-lettering would quietly drain every later event into the dead-letter topic
                throw new ConsumerFailedException("handler failed on " + describe(chunk) + ": " + e, e);
            }
        }
    }
    /** The distinct event ids of the chunk. */
    private static Set<UUID> ids(List<Pending> chunk) {
        Set<UUID> ids = new LinkedHashSet<>();
        chunk.forEach(p -> ids.add(p.eventId()));
        return ids;
    }

    /** The events for the handler: those recorded as new, of handled types, each id once (its first record). */
    private static List<Event> firstNew(List<Pending> chunk, Set<UUID> fresh) {
        Set<UUID> seen = new HashSet<>();
        List<Event> events = new ArrayList<>();
        for (Pending p : chunk) {
            if (fresh.contains(p.eventId()) && seen.add(p.eventId()) && p.event() != null) {
                events.add(p.event());
            }
        }
        return events;
    }

    private void count(List<Pending> chunk, Set<UUID> fresh, List<Event> given, Map<Pending, String> rejected) {
        Set<UUID> seen = new HashSet<>();
        for (Pending p : chunk) {
            if (!fresh.contains(p.eventId()) || !seen.add(p.eventId())) {
                LOG.debug("Event {} at {} was already processed", p.eventId(), where(p.record()));
                metrics.duplicate();
            } else if (p.event() == null) {
                metrics.ignored();
            } else if (!rejected.containsKey(p)) {
                metrics.handled();
            }
        }
    }

    /** The pending record of {@code event}: the handler names events, the runtime dead-letters records. */
    private static Pending find(List<Pending> chunk, Event event) {
        for (Pending p : chunk) {
            if (p.event() == event || p.event() != null && p.event().equals(event)) {
                return p;
            }
        }
        throw new IllegalStateException("the handler named an event that is not in its batch: " + event.source());
    }

    private static List<Pending> without(List<Pending> chunk, Pending out) {
        List<Pending> rest = new ArrayList<>(chunk);
        rest.remove(out);
        return rest;
    }

    private static List<List<Pending>> halves(List<Pending> chunk) {
        int middle = chunk.size() / 2;
        return List.of(chunk.subList(0, middle), chunk.subList(middle, chunk.size()));
    }

    private static String describe(List<Pending> chunk) {
        Pending first = chunk.get(0);
        return chunk.size() == 1 ? "event " + first.eventId() + " at " + where(first.record())
                : chunk.size() + " events from " + where(first.record());
    }

    private Pending deadLettered(ConsumerRecord<byte[], byte[]> record, String reason) throws InterruptedException {
        deadLetter(record, reason);
        return null;
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> record, String reason) throws InterruptedException {
        deadLetters.publish(record, reason);
        metrics.deadLettered();
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
