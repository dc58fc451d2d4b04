package io.outboxrelay.consumers.runtime;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;

/**
 * What a consumer does with events. The runtime calls {@link #handle} inside a transaction that
 * also records the event id as processed, and commits or rolls back both together.
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
}
