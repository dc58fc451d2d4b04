package io.outboxrelay.consumers.runtime;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

/**
 * What a consumer does with events. The runtime calls {@link #handleBatch} with the events of one poll
 * inside one transaction that also records their ids as processed, and commits or rolls back both
 * together. Its default applies them one by one with {@link #handle}; a handler that can apply a batch
 * with set-based SQL overrides it.
 *
 * <p>Every event type on the subscribed topics must be declared: {@link #handledEventTypes()} go to
 * {@link #handle}; {@link #ignoredEventTypes()} are recorded as processed without calling it;
 * any other type goes to the dead-letter topic. Declaring is what tells "not my concern" apart
 * from "a new event type nobody taught me", which must not vanish silently.
 */
public interface EventHandler {

    /** Event types passed to {@link #handle}. */
    Set<String> handledEventTypes();

    /** Event types on the subscribed topics that this handler knowingly skips. */
    default Set<String> ignoredEventTypes() {
        return Set.of();
    }

    /**
     * Applies one event using {@code connection}, whose transaction the runtime owns: never commit,
     * roll back or close it.
     *
     * @throws RejectedEventException when the event itself is unusable (a payload missing a field,
     *                                say): the record goes to the dead-letter topic
     * @throws SQLException           transient errors (serialization failure, lost connection) are
     *                                retried; data errors (SQLState class 22 or 23) dead-letter the
     *                                record; anything else stops the consumer
     */
    void handle(Event event, Connection connection) throws SQLException;

    /** Where a batch handler reports an event it does not apply: the runtime dead-letters it. */
    @FunctionalInterface
    interface Rejections {
        /** {@code event} is not applied (nothing of it written) and goes to the dead-letter topic with {@code reason}. */
        void reject(Event event, String reason);
    }

    /**
     * Applies {@code events}, the new (not yet processed) events of one poll, in the order read: each
     * partition's events in offset order, so each aggregate's in its order. Same contract as {@link #handle}
     * otherwise. An event this handler can tell is unusable without writing anything for it may be passed to
     * {@code rejections} instead of throwing; a thrown {@link RejectedEventException} or data error rolls the
     * whole batch back, and the runtime applies it again without the event at fault (found by splitting the batch
     * when the error does not name it).
     */
    default void handleBatch(List<Event> events, Connection connection, Rejections rejections) throws SQLException {
        for (Event event : events) {
            try {
                handle(event, connection);
            }
            catch (RejectedEventException e) {
                throw e.of(event);
            }
            catch (SQLException e) {
                throw new EventSQLException(event, e);
            }
        }
    }
}
