package io.outboxrelay.consumers.runtime;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Set;

/**
 * Test handler for {@code Thing} events ({"seq": n}): inserts a row per application into
 * {@code <schema>.seen}, after running a hook that tests use to fail or block.
 */
final class RecordingHandler implements EventHandler {

    @FunctionalInterface
    interface Hook {
        void beforeInsert(Event event, Connection connection) throws SQLException;
    }

    static final String MIGRATIONS = "classpath:db/test_consumer";

    private final String schema;
    private volatile Hook hook = (event, connection) -> { };

    RecordingHandler(String schema) {
        this.schema = schema;
    }

    RecordingHandler hook(Hook hook) {
        this.hook = hook;
        return this;
    }

    @Override
    public Set<String> handledEventTypes() {
        return Set.of("Thing");
    }

    @Override
    public void handle(Event event, Connection connection) throws SQLException {
        hook.beforeInsert(event, connection);
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + schema + ".seen (event_id, seq) VALUES (?, ?)")) {
            ps.setObject(1, event.eventId());
            ps.setInt(2, seq(event));
            ps.executeUpdate();
        }
    }

    static int seq(Event event) {
        return event.payload().get("seq").intValue();
    }
}
