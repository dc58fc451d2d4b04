package io.outboxrelay.relay;

import java.util.Map;
import java.util.Properties;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.ProducerSettings;
import io.outboxrelay.relay.kafka.RememberingOffsetStore;
import io.outboxrelay.sql.OutboxSchema;

/** The engine's configuration, derived from the relay's. */
final class DebeziumSettings {

    private DebeziumSettings() {
    }

    static Properties from(RelayConfig config) {
        return from(config, Map.of());
    }

    /** @param overrides win over everything else, the debezium.* pass-through included (a recovery's snapshot) */
    static Properties from(RelayConfig config, Map<String, String> overrides) {
        Properties p = new Properties();
        String name = config.get(RelayConfig.RELAY_NAME);
        p.setProperty("name", name);
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("topic.prefix", name);
        p.setProperty("database.hostname", config.get(RelayConfig.DATABASE_HOST));
        p.setProperty("database.port", config.get(RelayConfig.DATABASE_PORT));
        p.setProperty("database.dbname", config.get(RelayConfig.DATABASE_NAME));
        p.setProperty("database.user", config.get(RelayConfig.DATABASE_USER));
        p.setProperty("database.password", config.get(RelayConfig.DATABASE_PASSWORD));
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", config.get(RelayConfig.SLOT_NAME));
        p.setProperty("publication.name", config.get(RelayConfig.PUBLICATION));
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("table.include.list", config.get(RelayConfig.OUTBOX_TABLE));
        p.setProperty("snapshot.mode", config.get(RelayConfig.SNAPSHOT_MODE));
        if (config.getBoolean(RelayConfig.OUTBOX_MESSAGES)) {
            // Debezium asks pgoutput for messages (option 'messages') on PostgreSQL 14 and later, the relay's minimum;
            // only the outbox's prefix becomes a record (a regular expression matched against the whole prefix)
            p.setProperty("message.prefix.include.list", OutboxSchema.MESSAGE_PREFIX);
        }
        p.setProperty("poll.interval.ms", config.get(RelayConfig.POLL_INTERVAL_MS));
        p.setProperty("max.batch.size", config.get(RelayConfig.MAX_BATCH_SIZE));
        p.setProperty("max.queue.size", String.valueOf(config.getInt(RelayConfig.MAX_BATCH_SIZE) * 4));
        p.setProperty("extended.headers.enabled", "false");
        p.setProperty("tombstones.on.delete", "false");
        // Debezium's lag quantiles (a DDSketch fed through a queue to a thread of its own, for JMX attributes the relay
        // does not read) cost CPU on every event, beside its streaming thread, the relay's bottleneck
        p.setProperty("statistics.metrics.enabled", "false");
        // An idle outbox would leave the slot's position where it is while other databases write WAL: the heartbeat
        // writes a row the publication carries, and the engine confirms that transaction's position when it saves
        // the heartbeat record's offset. Debezium filters the row out (not in table.include.list).
        int heartbeatMs = config.getInt(RelayConfig.HEARTBEAT_INTERVAL_MS);
        p.setProperty("heartbeat.interval.ms", String.valueOf(heartbeatMs));
        if (heartbeatMs > 0) {
            p.setProperty("heartbeat.action.query", OutboxSchema.HEARTBEAT_SQL);
        }
        // A lost database connection (PostgreSQL restarted, WAL sender terminated) is a retriable error: Debezium
        // restarts its task and resumes from the saved position, unlimited times (errors.max.retries=-1). Its
        // defaults notice a silently dead replication connection only at the next status update (every 10 s), then
        // wait 10 s before reconnecting, and the engine's retry delay doubles with every retriable error of the
        // task's life (3.6.1 never resets it) up to 10 s; measured by the fault suite, these bring recovery from
        // 12 s to a few seconds.
        p.setProperty("status.update.interval.ms", "1000");
        p.setProperty("retriable.restart.connector.wait.ms", "1000");
        p.setProperty("errors.retry.delay.max.ms", "1000");
        // the position lives in Kafka, next to the events, and survives moving the relay (Kafka Connect's store and
        // topic format; reading back what it wrote is answered from memory, see RememberingOffsetStore)
        p.setProperty("offset.storage", RememberingOffsetStore.class.getName());
        p.setProperty("offset.storage.topic", config.get(RelayConfig.OFFSET_TOPIC));
        p.setProperty("offset.storage.partitions", "1");
        p.setProperty("offset.storage.replication.factor", config.get(RelayConfig.OFFSET_TOPIC_REPLICATION));
        p.setProperty("bootstrap.servers", config.get(RelayConfig.KAFKA_BOOTSTRAP));
        // exactly-once: the position is committed with each batch's events; the engine's own save only tells the offset
        // store and the slot, after every batch, so that a task restarted in-process (PostgreSQL restarted, WAL sender
        // terminated) resumes after the last committed batch, not after the last periodic save (measured: 1,392
        // duplicates over 20 such faults with the 1 s default)
        p.setProperty("offset.flush.interval.ms", config.exactlyOnce() ? "0" : config.get(RelayConfig.OFFSET_FLUSH_INTERVAL_MS));
        p.setProperty("offset.flush.timeout.ms", "30000");
        // the offset store's consumer: a position written in a transaction that was aborted is no position
        p.setProperty("isolation.level", "read_committed");
        p.setProperty(RememberingOffsetStore.POSITIONS_IN_TRANSACTIONS, String.valueOf(config.exactlyOnce()));
        // TLS/SASL for the offset store's clients: the same as the producer's
        ProducerSettings.security(config).forEach(p::setProperty);
        config.withPrefix(RelayConfig.DEBEZIUM_PREFIX).forEach(p::setProperty);
        overrides.forEach(p::setProperty);
        return p;
    }
}
