package io.outboxrelay.relay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

class RelayConfigUnitTests {

    private static Properties minimal() {
        Properties p = new Properties();
        p.setProperty("database.name", "orders");
        p.setProperty("database.user", "relay");
        p.setProperty("database.password", "file-secret");
        p.setProperty("kafka.bootstrap.servers", "localhost:9092");
        return p;
    }

    @Test
    void refusesDebeziumPassThroughKeysTheRelayDerivesFromItsOwnSettings() {
        Properties p = minimal();
        p.setProperty("debezium.slot.name", "other_slot");
        p.setProperty("debezium.table.include.list", "public.orders");
        p.setProperty("debezium.offset.flush.timeout.ms", "5000"); // a tuning the relay does not derive: passes

        assertThatThrownBy(() -> RelayConfig.from(p, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("debezium.slot.name cannot be set: the relay derives it from slot.name")
                .hasMessageContaining("debezium.table.include.list cannot be set: the relay derives it from outbox.table")
                .hasMessageNotContaining("offset.flush.timeout.ms");
        assertThatThrownBy(() -> RelayConfig.from(minimal(), Map.of("RELAY_DEBEZIUM__SLOT_NAME", "x")))
                .as("through the environment too").hasMessageContaining("debezium.slot.name cannot be set");
    }

    @Test
    void fillsDefaultsDeclaredWithEachSetting() {
        RelayConfig config = RelayConfig.from(minimal(), Map.of());

        assertThat(config.get(RelayConfig.DATABASE_PORT)).isEqualTo("5432");
        assertThat(config.get(RelayConfig.TOPIC_PATTERN)).isEqualTo("outbox.${aggregateType}");
        assertThat(config.headerColumns()).containsExactly(Map.entry("trace_id", "traceId"),
                Map.entry("correlation_id", "correlationId"));
    }

    @Test
    void environmentVariablesOverrideTheFile() {
        RelayConfig config = RelayConfig.from(minimal(), Map.of("RELAY_DATABASE_PASSWORD", "env-secret",
                "RELAY_KAFKA_PRODUCER__SECURITY_PROTOCOL", "SSL"));

        assertThat(config.get(RelayConfig.DATABASE_PASSWORD)).isEqualTo("env-secret");
        assertThat(config.withPrefix(RelayConfig.PRODUCER_PREFIX)).containsEntry("security.protocol", "SSL");
    }

    @Test
    void reportsEveryProblemAtOnceNamingTheSettings() {
        Properties p = minimal();
        p.remove("database.name");
        p.setProperty("database.port", "five");
        p.setProperty("databse.host", "typo");

        assertThatThrownBy(() -> RelayConfig.from(p, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("database.name is required")
                .hasMessageContaining("database.port must be a positive integer, got 'five'")
                .hasMessageContaining("unknown setting 'databse.host'");
    }

    @Test
    void httpPortTakesMinusOneZeroOrAPortAndLogFormatTextOrJson() {
        Properties p = minimal();
        p.setProperty("http.port", "70000");
        p.setProperty("log.format", "xml");

        assertThatThrownBy(() -> RelayConfig.from(p, Map.of()))
                .hasMessageContaining("http.port must be -1, 0 or a port number up to 65535, got '70000'")
                .hasMessageContaining("log.format must be text or json, got 'xml'");
        assertThat(RelayConfig.from(minimal(), Map.of("RELAY_HTTP_PORT", "-1", "RELAY_LOG_FORMAT", "json"))
                .getInt(RelayConfig.HTTP_PORT)).isEqualTo(-1);
    }

    @Test
    void describeMasksPasswordsJaasConfigsAndSecretsInUrls() {
        Properties p = minimal();
        p.setProperty("kafka.producer.sasl.jaas.config", "PlainLoginModule required username=\"u\" password=\"jaas-secret\";");
        p.setProperty("kafka.producer.ssl.truststore.password", "trust-secret");
        p.setProperty("debezium.database.url", "jdbc:postgresql://relay:url-secret@db:5432/orders?password=query-secret");
        String described = RelayConfig.from(p, Map.of()).describe();

        assertThat(described).doesNotContain("file-secret", "jaas-secret", "trust-secret", "url-secret", "query-secret")
                .contains("database.password=****").contains("database.user=relay");
    }

    @Test
    void rejectsTopicCompactPatternThatIsNoRegularExpressionAndANegativeHeartbeatInterval() {
        Properties p = minimal();
        p.setProperty("topic.compact.pattern", "outbox.(Customer");
        p.setProperty("heartbeat.interval.ms", "-5");

        assertThatThrownBy(() -> RelayConfig.from(p, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("topic.compact.pattern must be a Java regular expression, got 'outbox.(Customer'")
                .hasMessageContaining("heartbeat.interval.ms must be an integer >= 0, got '-5'");
    }

    @Test
    void neitherStandsByNorRecoversUnlessAskedAndTakesTheRecoveryTimeAsAnInstant() {
        RelayConfig defaults = RelayConfig.from(minimal(), Map.of());
        assertThat(defaults.getBoolean(RelayConfig.STANDBY)).isFalse();
        assertThat(defaults.get(RelayConfig.RECOVERY_RESEND_SINCE)).isEmpty();
        assertThat(defaults.getBoolean(RelayConfig.RECOVERY_ACCEPT_GAP)).isFalse();

        RelayConfig recovering = RelayConfig.from(minimal(), Map.of("RELAY_RECOVERY_RESEND_SINCE", "2026-11-27T10:00:00Z",
                "RELAY_STANDBY", "true"));
        assertThat(recovering.get(RelayConfig.RECOVERY_RESEND_SINCE)).isEqualTo("2026-11-27T10:00:00Z");
        assertThat(recovering.getBoolean(RelayConfig.STANDBY)).isTrue();

        Properties p = minimal();
        p.setProperty("recovery.resend.since", "yesterday'; DROP TABLE outbox.event; --");
        p.setProperty("standby", "yes");
        assertThatThrownBy(() -> RelayConfig.from(p, Map.of()))
                .hasMessageContaining("recovery.resend.since must be an ISO-8601 time such as 2026-11-27T10:00:00Z")
                .hasMessageContaining("standby must be true or false, got 'yes'");
    }

    @Test
    void compactsNothingAndBeatsEveryTenSecondsByDefault() {
        RelayConfig config = RelayConfig.from(minimal(), Map.of());

        assertThat(config.get(RelayConfig.TOPIC_COMPACT_PATTERN)).isEmpty();
        assertThat(config.getInt(RelayConfig.HEARTBEAT_INTERVAL_MS)).isEqualTo(10_000);
    }
}
