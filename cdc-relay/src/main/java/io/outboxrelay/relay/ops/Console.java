package io.outboxrelay.relay.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.outboxrelay.console.History;
import io.outboxrelay.relay.RecentEvents;
import io.outboxrelay.relay.RelayStats;
import io.outboxrelay.relay.postgres.ReplicationSlot;

/**
 * The console page at {@code /} of the relay's endpoint: its own files (console/ beside this class; the shared ones and
 * serving them are {@link io.outboxrelay.console.ConsolePage}) and the JSON it polls, {@code /console/data}: the {@code /status} document, the slot's last reading, the
 * charts' {@link History} and the recent events and dead letters ({@link RecentEvents}). No payload, no
 * setting of the relay (so no password or host of the database) is part of it; the page only reads.
 */
final class Console {

    private Console() {
    }

    static Map<String, Object> data(Map<String, Object> status, ReplicationSlot slot, History history,
                                    RelayStats stats) {
        Map<String, Object> out = new LinkedHashMap<>(status);
        out.put("wal_retained_bytes", slot == null ? null : slot.walRetainedBytes());
        out.put("slot_lag_bytes", slot == null ? null : slot.slotLagBytes());
        out.put("history", history.columns());
        List<Map<String, Object>> events = new ArrayList<>();
        List<Map<String, Object>> deadLetters = new ArrayList<>();
        if (stats != null) {
            for (RecentEvents.Event e : stats.recent().events()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("topic", e.topic());
                m.put("key", e.key());
                m.put("event_type", e.eventType());
                m.put("event_id", e.eventId());
                m.put("committed_at", e.committedAt() == null ? null : e.committedAt().toString());
                m.put("acknowledged_at", e.acknowledgedAt().toString());
                events.add(m);
            }
            for (RecentEvents.DeadLetter d : stats.recent().deadLetters()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("reason", d.reason());
                m.put("source", d.source());
                m.put("event_id", d.eventId());
                m.put("committed_at", d.committedAt() == null ? null : d.committedAt().toString());
                m.put("acknowledged_at", d.acknowledgedAt().toString());
                deadLetters.add(m);
            }
        }
        out.put("recent_events", events);
        out.put("recent_dead_letters", deadLetters);
        return out;
    }
}
