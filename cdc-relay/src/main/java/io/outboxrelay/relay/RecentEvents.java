package io.outboxrelay.relay;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

/**
 * The last events and dead letters Kafka acknowledged (committed, exactly-once), for the console: a few of each, newest
 * first, without payloads. Recorded by the sinks only after Kafka has them, so the page never shows what may still be
 * sent again. The sinks hand over how to describe each record, not its description: the text is made (and cut) only
 * when the console asks, not for every record on the sinks' path.
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

    private final Deque<Supplier<Event>> events = new ArrayDeque<>(CAPACITY);
    private final Deque<Supplier<DeadLetter>> deadLetters = new ArrayDeque<>(CAPACITY);

    /** An acknowledged event; {@code event} must hold no payload (it is kept until 20 newer ones push it out). */
    public synchronized void addEvent(Supplier<Event> event) {
        keep(events, event);
    }

    /** An acknowledged dead letter; {@code letter} must hold no payload. */
    public synchronized void addDeadLetter(Supplier<DeadLetter> letter) {
        keep(deadLetters, letter);
    }

    /** Newest first. */
    public List<Event> events() {
        List<Supplier<Event>> kept;
        synchronized (this) {
            kept = new ArrayList<>(events);
        }
        return kept.stream().map(Supplier::get).map(e -> new Event(cut(e.topic()), cut(e.key()), cut(e.eventType()),
                cut(e.eventId()), e.committedAt(), e.acknowledgedAt())).toList();
    }

    /** Newest first. */
    public List<DeadLetter> deadLetters() {
        List<Supplier<DeadLetter>> kept;
        synchronized (this) {
            kept = new ArrayList<>(deadLetters);
        }
        return kept.stream().map(Supplier::get).map(d -> new DeadLetter(cut(d.reason()), cut(d.source()), cut(d.eventId()),
                d.committedAt(), d.acknowledgedAt())).toList();
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
