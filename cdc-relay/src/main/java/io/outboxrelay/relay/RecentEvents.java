package io.outboxrelay.relay;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The last events and dead letters Kafka acknowledged (committed, exactly-once), for the console: a few of each, newest
 * first, without payloads. Recorded by the sinks only after Kafka has them, so the page never shows what may still be
 * sent again.
 */
public final class RecentEvents {

    /** How many of each are kept. */
    public static final int CAPACITY = 20;
    /** Longest text kept of a key, type or reason: a hostile row must not fill the relay's memory or the page. */
    static final int MAX_CHARS = 300;

    /**
     * An event on its topic.
     *
     * @param committedAt when its transaction committed in PostgreSQL; null if unknown
     */
    public record Event(String topic, String key, String eventType, String eventId, Instant committedAt,
                        Instant acknowledgedAt) {
    }

    /**
     * A row on the dead-letter topic.
     *
     * @param source the table (or message prefix) the row came from
     */
    public record DeadLetter(String reason, String source, String eventId, Instant committedAt, Instant acknowledgedAt) {
    }

    private final Deque<Event> events = new ArrayDeque<>(CAPACITY);
    private final Deque<DeadLetter> deadLetters = new ArrayDeque<>(CAPACITY);

    public synchronized void add(Event event) {
        keep(events, new Event(cut(event.topic()), cut(event.key()), cut(event.eventType()), cut(event.eventId()),
                event.committedAt(), event.acknowledgedAt()));
    }

    public synchronized void add(DeadLetter letter) {
        keep(deadLetters, new DeadLetter(cut(letter.reason()), cut(letter.source()), cut(letter.eventId()),
                letter.committedAt(), letter.acknowledgedAt()));
    }

    /** Newest first. */
    public synchronized List<Event> events() {
        return new ArrayList<>(events);
    }

    /** Newest first. */
    public synchronized List<DeadLetter> deadLetters() {
        return new ArrayList<>(deadLetters);
    }

    private static <T> void keep(Deque<T> ring, T item) {
        if (ring.size() == CAPACITY) {
            ring.removeLast();
        }
        ring.addFirst(item);
    }

    static String cut(String text) {
        return text == null || text.length() <= MAX_CHARS ? text : text.substring(0, MAX_CHARS) + "...";
    }
}
