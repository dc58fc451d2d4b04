package io.outboxrelay.relay.config;

import java.util.Map;

/** The {@code debezium.} keys a configuration must not set, each with what the relay derives it from. */
final class DerivedDebeziumKeys {

    private DerivedDebeziumKeys() {
    }

    /**
     * Debezium settings the relay derives from its own (DebeziumSettings), and from which: a {@code debezium.} key for one
     * of them would silently replace what was validated and what every other part of the relay uses.
     */
    static final Map<String, String> SOURCES = Map.ofEntries(
            Map.entry("name", "relay.name"), Map.entry("topic.prefix", "relay.name"),
            Map.entry("connector.class", "the relay (PostgreSQL only)"),
            Map.entry("database.hostname", "database.host"), Map.entry("database.port", "database.port"),
            Map.entry("database.dbname", "database.name"), Map.entry("database.user", "database.user"),
            Map.entry("database.password", "database.password"), Map.entry("plugin.name", "the relay (pgoutput only)"),
            Map.entry("slot.name", "slot.name"), Map.entry("slot.failover", "slot.failover"), Map.entry("publication.name", "publication"),
            Map.entry("publication.autocreate.mode", "the relay (attach creates the publication)"),
            Map.entry("table.include.list", "outbox.table"), Map.entry("snapshot.mode", "snapshot.mode"),
            Map.entry("message.prefix.include.list", "outbox.messages"), Map.entry("poll.interval.ms", "poll.interval.ms"),
            Map.entry("max.batch.size", "max.batch.size"), Map.entry("max.queue.size", "max.batch.size"),
            Map.entry("heartbeat.interval.ms", "heartbeat.interval.ms"), Map.entry("heartbeat.action.query", "heartbeat.interval.ms"),
            Map.entry("offset.storage", "the relay (offset.topic)"), Map.entry("offset.storage.topic", "offset.topic"),
            Map.entry("offset.storage.replication.factor", "offset.topic.replication.factor"),
            Map.entry("bootstrap.servers", "kafka.bootstrap.servers"),
            Map.entry("offset.flush.interval.ms", "offset.flush.interval.ms"));
}
