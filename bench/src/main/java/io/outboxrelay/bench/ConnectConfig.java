package io.outboxrelay.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The two files a Kafka Connect standalone worker is started with: the worker's and the Debezium Postgres
 * connector's, set up as Debezium's documentation describes the outbox pattern (pgoutput, an existing
 * publication, the outbox EventRouter SMT) on our outbox table, with the relay's tuning and the relay's
 * delivery guarantees where Connect's defaults differ. The database password is not in either: the worker
 * reads it from the environment variable {@value #PASSWORD_ENV} (Kafka's EnvVarConfigProvider).
 */
final class ConnectConfig {

    static final String CONNECTOR = "bench-connect";
    static final String PASSWORD_ENV = "BENCH_CONNECT_DB_PASSWORD";
    /** EventRouter's header for {@code table.field.event.id}; its name is fixed by the SMT. */
    static final String EVENT_ID_HEADER = "id";

    private ConnectConfig() {
    }

    /**
     * @param restPort    the worker's REST port on 127.0.0.1
     * @param offsetsFile where the worker keeps the connector's offsets (FileOffsetBackingStore)
     */
    static Map<String, String> worker(BenchContext context, int restPort, Path offsetsFile) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", context.bootstrapServers());
        p.put("listeners", "http://127.0.0.1:" + restPort);
        // Plugins from the class path (no plugin.path). Every plugin used ships a ServiceLoader manifest, so
        // Connect need not scan the class path by reflection as the default (hybrid_warn) does: measured here, that
        // scan added 7-30 s to the start and raised the worker's peak RSS from ~220 to ~730 MiB.
        p.put("plugin.discovery", "service_load");
        // key = aggregate_id and value = payload, both as text: the EventRouter leaves strings
        p.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("offset.storage.file.filename", offsetsFile.toString());
        // Connect's default is 60 s (a crash would re-send up to a minute of events); the relay saves every second.
        p.put("offset.flush.interval.ms", "1000");
        // The worker's producer gets the relay's delivery guarantees (Connect's defaults: idempotence off,
        // one request in flight) and its batching (ProducerSettings: linger 5 ms, batches of 256 KiB, no compression).
        p.put("producer.acks", "all");
        p.put("producer.enable.idempotence", "true");
        p.put("producer.max.in.flight.requests.per.connection", "5");
        p.put("producer.linger.ms", "5");
        p.put("producer.batch.size", String.valueOf(256 * 1024));
        p.put("producer.compression.type", "none");
        p.put("config.providers", "env");
        p.put("config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        return p;
    }

    /** @param topic the one topic every outbox event goes to, whatever its aggregate type */
    static Map<String, String> connector(BenchContext context, String slot, String topic) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("name", CONNECTOR);
        p.put("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.put("tasks.max", "1");
        p.put("topic.prefix", CONNECTOR);
        p.put("database.hostname", context.host());
        p.put("database.port", String.valueOf(context.port()));
        p.put("database.dbname", context.database());
        p.put("database.user", context.user());
        p.put("database.password", "${env:" + PASSWORD_ENV + "}");
        p.put("plugin.name", "pgoutput");
        p.put("publication.name", "outbox_publication");
        p.put("publication.autocreate.mode", "disabled");
        // created by the bench before the connector starts: with no stored offsets and no snapshot, Debezium
        // streams from the slot's position, so it sees exactly what was committed after the slot was created
        p.put("slot.name", slot);
        p.put("snapshot.mode", "no_data");
        p.put("table.include.list", "outbox.event");
        p.put("tombstones.on.delete", "false");
        // the relay's tuning: Debezium's defaults are 500 ms, 2048 and 8192
        p.put("poll.interval.ms", "10");
        p.put("max.batch.size", "2048");
        p.put("max.queue.size", "8192");
        // like the relay: no __debezium.context.* headers on every record
        p.put("extended.headers.enabled", "false");
        // no heartbeats: nothing else writes WAL in the bench's cluster while a contender runs
        p.put("heartbeat.interval.ms", "0");
        p.put("transforms", "outbox");
        p.put("transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter");
        p.put("transforms.outbox.table.field.event.id", "event_id");
        p.put("transforms.outbox.table.field.event.key", "aggregate_id");
        p.put("transforms.outbox.table.field.event.payload", "payload");
        p.put("transforms.outbox.route.by.field", "aggregate_type");
        p.put("transforms.outbox.route.topic.replacement", topic);
        // table.expand.json.payload stays false (its default): the value is the jsonb column as PostgreSQL renders it,
        // as text, the relay's value too. Expanding it only makes sense with JsonConverter (the payload parsed into a
        // Struct and written again: FACTS.md measured 8-9k instead of 12-16k events/s).
        // The documentation applies the SMT to the outbox table's records only (heartbeats, schema changes and
        // transaction metadata pass untouched); with heartbeats off none arrive, but this is the documented setup.
        p.put("transforms.outbox.predicate", "outboxTable");
        p.put("predicates", "outboxTable");
        p.put("predicates.outboxTable.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches");
        p.put("predicates.outboxTable.pattern", CONNECTOR + "\\.outbox\\.event");
        return p;
    }
}
