package io.outboxrelay.consumers.faults;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Set;

import io.outboxrelay.consumers.runtime.Event;
import io.outboxrelay.consumers.runtime.EventHandler;
import io.outboxrelay.consumers.runtime.Payloads;

/**
 * The handler of {@link HostileEventsIntegrationTests}: stores each event it is given, key, type,
 * aggregate type and payload as they came, so that whatever PostgreSQL refuses in them reaches the
 * database; rejects a payload whose {@code note} is not text, as handlers reject broken contracts.
 */
final class StoringHandler implements EventHandler {

    static final String MIGRATIONS = "classpath:db/hostile_consumer";

    private final String schema;

    StoringHandler(String schema) {
        this.schema = schema;
    }

    @Override
    public Set<String> handledEventTypes() {
        return Set.of(HostileRecords.HANDLED, HostileRecords.HANDLED_UNICODE);
    }

    @Override
    public Set<String> ignoredEventTypes() {
        return Set.of(HostileRecords.IGNORED);
    }

    @Override
    public void handle(Event event, Connection connection) throws SQLException {
        Payloads.optionalText(event.payload(), "note");
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + schema
                + ".applied (event_id, event_type, aggregate_id, aggregate_type, payload) VALUES (?, ?, ?, ?, ?::jsonb)")) {
            ps.setObject(1, event.eventId());
            ps.setString(2, event.eventType());
            ps.setString(3, event.aggregateId());
            ps.setString(4, event.aggregateType());
            ps.setString(5, event.payload().toString());
            ps.executeUpdate();
        }
    }
}
