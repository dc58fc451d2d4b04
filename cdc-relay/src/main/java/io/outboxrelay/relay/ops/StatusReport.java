package io.outboxrelay.relay.ops;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.relay.config.DatabaseHosts;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.ProducerSettings;
import io.outboxrelay.relay.kafka.SavedPosition;
import io.outboxrelay.relay.postgres.Primary;
import io.outboxrelay.relay.postgres.ReplicationSlot;

/**
 * What {@code relay status} reports, gathered whether or not the relay runs: the slot from
 * PostgreSQL, the saved position and the dead-letter count from Kafka, and what only the running
 * relay knows from its {@code /status} endpoint when it answers. Keys are stable snake_case (see
 * the README); unknown values are null.
 */
public final class StatusReport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DAEMON_TIMEOUT = Duration.ofSeconds(2);
    /** Topics up to this many offsets are counted record by record. */
    private static final long COUNTED_UP_TO = 10_000;

    private final Map<String, Object> fields;
    private final boolean slotExists;

    private StatusReport(Map<String, Object> fields, boolean slotExists) {
        this.fields = Collections.unmodifiableMap(fields);
        this.slotExists = slotExists;
    }

    /**
     * @param daemon the running relay's base URL, or null to derive it from http.host and http.port
     * @throws StatusException when PostgreSQL or Kafka cannot be read
     */
    public static StatusReport gather(RelayConfig config, URI daemon) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("relay_name", config.get(RelayConfig.RELAY_NAME));
        out.put("database", where(config));
        // with several hosts, the one that is writable now: the slot is read there
        DatabaseHosts.Host primary = findPrimary(config);
        out.put("database_primary", primary.toString());
        config = config.pinnedTo(primary);
        out.put("slot_name", config.get(RelayConfig.SLOT_NAME));
        Optional<ReplicationSlot> slot = readSlot(config);
        out.put("slot_exists", slot.isPresent());
        out.put("slot_active", slot.map(ReplicationSlot::active).orElse(null));
        out.put("slot_active_pid", slot.map(ReplicationSlot::activePid).orElse(null));
        out.put("restart_lsn", slot.map(ReplicationSlot::restartLsn).orElse(null));
        out.put("confirmed_flush_lsn", slot.map(ReplicationSlot::confirmedFlushLsn).orElse(null));
        out.put("wal_retained_bytes", slot.map(ReplicationSlot::walRetainedBytes).orElse(null));
        out.put("slot_lag_bytes", slot.map(ReplicationSlot::slotLagBytes).orElse(null));
        out.put("slot_failover", slot.map(ReplicationSlot::failover).orElse(null));
        out.put("slot_synced", slot.map(ReplicationSlot::synced).orElse(null));
        readKafka(config, out);
        URI url = daemon != null ? daemon : daemonUrl(config);
        out.put("daemon_url", url == null ? null : url.toString());
        Map<String, Object> live = url == null ? null : askDaemon(url);
        out.put("daemon_reachable", live != null);
        for (String key : RelayOperations.STATUS_KEYS) {
            out.put(key, live == null ? null : live.get(key));
        }
        if (live == null) { // what the configuration says, without the running relay's figures
            out.put("delivery_guarantee", config.get(RelayConfig.DELIVERY_GUARANTEE));
            out.put("transactional_id", ProducerSettings.transactionalId(config));
        }
        return new StatusReport(out, slot.isPresent());
    }

    public Map<String, Object> fields() {
        return fields;
    }

    public boolean slotExists() {
        return slotExists;
    }

    private static DatabaseHosts.Host findPrimary(RelayConfig config) {
        try {
            return Primary.find(config);
        }
        catch (Primary.NotFoundException e) {
            throw new StatusException(e.getMessage(), e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StatusException("interrupted while looking for the PostgreSQL primary", e);
        }
    }

    private static Optional<ReplicationSlot> readSlot(RelayConfig config) {
        try (Connection connection = config.connectToDatabase("status")) {
            return ReplicationSlot.read(connection, config.get(RelayConfig.SLOT_NAME));
        }
        catch (SQLException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new StatusException("cannot read the replication slot from PostgreSQL at " + where(config) + " as '"
                    + config.get(RelayConfig.DATABASE_USER) + "' (" + message
                    + "): check database.host, database.port, database.name, database.user and database.password", e);
        }
    }

    private static void readKafka(RelayConfig config, Map<String, Object> out) {
        String offsetTopic = config.get(RelayConfig.OFFSET_TOPIC);
        String deadLetterTopic = config.get(RelayConfig.DEAD_LETTER_TOPIC);
        Duration timeout = Duration.ofMillis(config.getInt(RelayConfig.STARTUP_TIMEOUT_MS));
        try (Consumer<byte[], byte[]> consumer = SavedPosition.consumer(config, "status", timeout)) {
            SavedPosition saved = SavedPosition.read(consumer, offsetTopic, config.get(RelayConfig.RELAY_NAME), timeout);
            out.put("offset_topic", offsetTopic);
            out.put("saved_lsn", saved == null ? null : saved.lsn());
            out.put("saved_commit_time", saved == null || saved.committedAt() == null ? null : saved.committedAt().toString());
            out.put("saved_position_age_seconds", saved == null || saved.committedAt() == null ? null
                    : Duration.between(saved.committedAt(), Instant.now()).toMillis() / 1000.0);
            out.put("dead_letter_topic", deadLetterTopic);
            out.put("dead_letter_count", recordCount(consumer, deadLetterTopic, timeout));
        }
        catch (KafkaException e) {
            throw new StatusException("cannot read topics " + offsetTopic + " and " + deadLetterTopic + " from Kafka at "
                    + config.get(RelayConfig.KAFKA_BOOTSTRAP) + " (" + e.getMessage()
                    + "): check kafka.bootstrap.servers, that the brokers are up, and any TLS/SASL settings under kafka.producer.*", e);
        }
    }

    /**
     * Records in a topic now, as a read_committed reader sees them: counted by reading when the topic spans at most
     * {@value #COUNTED_UP_TO} offsets (exactly-once writes a transaction marker per batch, which takes an offset), else the
     * sum over its partitions of end minus beginning offsets (an upper bound); 0 if it does not exist.
     */
    private static long recordCount(Consumer<byte[], byte[]> consumer, String topic, Duration timeout) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topic, timeout)) {
            partitions.add(new TopicPartition(topic, p.partition()));
        }
        if (partitions.isEmpty()) {
            return 0;
        }
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, timeout);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        long span = partitions.stream().mapToLong(tp -> end.get(tp) - begin.get(tp)).sum();
        if (span > COUNTED_UP_TO) {
            return span;
        }
        long[] counted = {0};
        SavedPosition.readAll(consumer, topic, timeout, r -> counted[0]++);
        return counted[0];
    }

    /** http://host:port of the daemon by this configuration; null when its port is not known (0) or disabled. */
    static URI daemonUrl(RelayConfig config) {
        int port = config.getInt(RelayConfig.HTTP_PORT);
        if (port <= 0) {
            return null;
        }
        return RelayOperations.uri(config.get(RelayConfig.HTTP_HOST), port);
    }

    /** @return the daemon's /status, or null when it does not answer within two seconds */
    private static Map<String, Object> askDaemon(URI base) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(DAEMON_TIMEOUT).build();
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(base.resolve("/status"))
                    .timeout(DAEMON_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readValue(response.body(), new TypeReference<>() { }) : null;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private static String where(RelayConfig config) {
        return config.databaseWhere();
    }
}
