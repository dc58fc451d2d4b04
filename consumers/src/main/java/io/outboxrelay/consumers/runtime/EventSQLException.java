package io.outboxrelay.consumers.runtime;

import java.sql.SQLException;

/**
 * A handler's SQL error with the event it was applying, so that the runtime can dead-letter that event
 * instead of splitting the batch to find it. Same SQLState, code and message as the error it wraps.
 */
final class EventSQLException extends SQLException {

    private final transient Event event;

    EventSQLException(Event event, SQLException cause) {
        super(cause.getMessage(), cause.getSQLState(), cause.getErrorCode(), cause);
        this.event = event;
    }

    Event event() {
        return event;
    }
}
