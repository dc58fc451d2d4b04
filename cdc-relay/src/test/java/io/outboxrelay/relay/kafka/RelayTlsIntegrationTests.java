package io.outboxrelay.relay.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.testsupport.CapturedLogs;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.relay.testsupport.StartupOutcome;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.KafkaOptions;
import io.outboxrelay.testkit.TlsCertificates;

/**
 * The relay against a broker that speaks only TLS, with a certificate made for this test: configured
 * through {@code kafka.producer.*} alone (security.protocol and the trust store), which reaches the
 * producer, the offset store and the pre-flight admin client; the trust store password is masked in
 * the configuration dump and never logged.
 */
public class RelayTlsIntegrationTests {

    public static final String TRUSTSTORE_PASSWORD = "Tls-Trust-St0re-S3cret";

    @TempDir
    static Path certificates;
    @TempDir
    Path dir;
    private static TlsCertificates tls;
    private static KafkaInstance kafka;

    @BeforeAll
    static void startTlsKafka() {
        tls = TlsCertificates.generate(certificates, TRUSTSTORE_PASSWORD);
        kafka = Infrastructure.startKafka(KafkaOptions.tls(tls));
    }

    @AfterAll
    static void stopTlsKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void relaysOverTlsConfiguredOnlyThroughTheProducerPassThroughAndNeverShowsTheTrustStorePassword() throws Exception {
        RelayFixture fixture = new RelayFixture(SharedInfrastructure.postgres(), kafka);
        Map<String, String> settings = tlsSettings(fixture, TRUSTSTORE_PASSWORD);
        RelayConfig config = fixture.relayConfig(settings);
        String logs;
        try (CapturedLogs captured = CapturedLogs.start("io.outboxrelay", "io.debezium", "org.apache.kafka.common.config");
             Relay relay = Relay.start(config)) {
            fixture.sql("INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload)"
                    + " SELECT gen_random_uuid(), 'Order', 'order-' || n, 'OrderPlaced', jsonb_build_object('n', n)"
                    + " FROM generate_series(1, 20) n");
            await().atMost(Duration.ofSeconds(60)).until(() -> fixture.endOffsetSum(List.of(fixture.topic("Order"))) == 20);
            assertThat(relay.state()).isEqualTo(Relay.State.RUNNING);
            logs = captured.text();
        }

        assertThat(fixture.readAll(List.of(fixture.topic("Order"))).values().stream().mapToInt(List::size).sum()).isEqualTo(20);
        assertThat(config.describe()).contains("kafka.producer.security.protocol=SSL", "kafka.producer.ssl.truststore.password=****")
                .doesNotContain(TRUSTSTORE_PASSWORD);
        // Kafka's own dumps of the producer, admin and offset-store clients show the setting, hidden
        assertThat(logs).as("what was logged").contains("ssl.truststore.password = [hidden]", "security.protocol = SSL")
                .doesNotContain(TRUSTSTORE_PASSWORD);
    }

    @Test
    void wrongTrustStorePasswordIsOneLineNamingTheSslSettingsWithoutEitherPassword() throws Exception {
        RelayFixture fixture = new RelayFixture(SharedInfrastructure.postgres(), kafka);
        String wrong = "Wr0ng-Tr4st-Passw0rd";
        Properties props = fixture.relayProperties(tlsSettings(fixture, wrong));
        StartupOutcome outcome;
        String logs;
        try (CapturedLogs captured = CapturedLogs.start("io.outboxrelay", "org.apache.kafka.common.config")) {
            outcome = StartupOutcome.run(dir, props);
            logs = captured.text();
        }

        outcome.assertOneLine(RelayCli.EXIT_STARTUP, "cannot use Kafka at " + kafka.bootstrapServers() + ": Failed to load SSL keystore "
                + tls.trustStore() + " of type PKCS12", "check kafka.producer.ssl.truststore.location and kafka.producer.ssl.truststore.password");
        assertThat(outcome.stderr()).doesNotContain(wrong).doesNotContain(TRUSTSTORE_PASSWORD);
        assertThat(logs).as("what was logged").contains("kafka.producer.ssl.truststore.password=****")
                .doesNotContain(wrong).doesNotContain(TRUSTSTORE_PASSWORD);
    }

    /** Only pass-through settings: security.protocol and the trust store. */
    private static Map<String, String> tlsSettings(RelayFixture fixture, String trustStorePassword) {
        Map<String, String> settings = new HashMap<>();
        settings.put("kafka.producer.security.protocol", "SSL");
        settings.put("kafka.producer.ssl.truststore.location", tls.trustStore().toString());
        settings.put("kafka.producer.ssl.truststore.password", trustStorePassword);
        settings.put("kafka.producer.ssl.truststore.type", "PKCS12");
        settings.put("startup.timeout.ms", "15000");
        return settings;
    }
}
