package io.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.RememberingOffsetStore;
import io.outboxrelay.sql.OutboxSchema;

class DebeziumSettingsUnitTests {

    private static RelayConfig config(Map<String, String> settings) {
        Properties p = new Properties();
        p.setProperty("database.name", "orders");
        p.setProperty("database.user", "relay");
        p.setProperty("kafka.bootstrap.servers", "localhost:9092");
        p.putAll(settings);
        return RelayConfig.from(p, Map.of());
    }

    @Test
    void heartbeatWritesTheHeartbeatRowEveryIntervalWhileOnlyTheOutboxTableIsCaptured() {
        Properties p = DebeziumSettings.from(config(Map.of("heartbeat.interval.ms", "5000")));

        assertThat(p.getProperty("heartbeat.interval.ms")).isEqualTo("5000");
        assertThat(p.getProperty("heartbeat.action.query")).isEqualTo(OutboxSchema.HEARTBEAT_SQL);
        assertThat(p.getProperty("table.include.list")).isEqualTo("outbox.event");
    }

    @Test
    void zeroIntervalTurnsHeartbeatsOff() {
        Properties p = DebeziumSettings.from(config(Map.of("heartbeat.interval.ms", "0")));

        assertThat(p.getProperty("heartbeat.interval.ms")).isEqualTo("0");
        assertThat(p.getProperty("heartbeat.action.query")).isNull();
    }

    @Test
    void reconnectsWithinSecondsAfterALostDatabaseConnectionUnlessOverridden() {
        Properties defaults = DebeziumSettings.from(config(Map.of()));
        Properties overridden = DebeziumSettings.from(config(Map.of("debezium.retriable.restart.connector.wait.ms", "10000")));

        assertThat(defaults.getProperty("status.update.interval.ms")).isEqualTo("1000");
        assertThat(defaults.getProperty("retriable.restart.connector.wait.ms")).isEqualTo("1000");
        assertThat(defaults.getProperty("errors.retry.delay.max.ms")).isEqualTo("1000");
        assertThat(defaults.getProperty("errors.max.retries")).as("Debezium's default: retry without limit").isNull();
        assertThat(overridden.getProperty("retriable.restart.connector.wait.ms")).isEqualTo("10000");
    }

    @Test
    void skipsDebeziumsLagStatisticsWhichTheRelayDoesNotRead() {
        assertThat(DebeziumSettings.from(config(Map.of())).getProperty("statistics.metrics.enabled")).isEqualTo("false");
    }

    @Test
    void exactlyOnceLeavesThePositionToTheTransactionsAndTellsTheEngineAfterEveryBatch() {
        Properties atLeastOnce = DebeziumSettings.from(config(Map.of("offset.flush.interval.ms", "2000")));
        Properties exactlyOnce = DebeziumSettings.from(config(Map.of("offset.flush.interval.ms", "2000",
                "delivery.guarantee", "exactly-once")));

        assertThat(atLeastOnce.getProperty("offset.flush.interval.ms")).isEqualTo("2000");
        assertThat(atLeastOnce.getProperty(RememberingOffsetStore.POSITIONS_IN_TRANSACTIONS)).isEqualTo("false");
        assertThat(exactlyOnce.getProperty("offset.flush.interval.ms")).isEqualTo("0");
        assertThat(exactlyOnce.getProperty(RememberingOffsetStore.POSITIONS_IN_TRANSACTIONS)).isEqualTo("true");
        assertThat(exactlyOnce.getProperty("isolation.level")).as("a position of an aborted transaction is none")
                .isEqualTo("read_committed");
    }
}
