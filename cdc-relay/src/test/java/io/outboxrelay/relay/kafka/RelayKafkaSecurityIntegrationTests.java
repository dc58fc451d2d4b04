package io.outboxrelay.relay.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.relay.testsupport.CapturedLogs;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.relay.testsupport.StartupOutcome;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.KafkaOptions;
import io.outboxrelay.testkit.KafkaUser;

/**
 * The relay against a broker with SASL/SCRAM and ACLs (StandardAuthorizer, nothing allowed without an
 * ACL): its credentials reach every Kafka client only through {@code kafka.producer.*}, and what it may
 * not do is reported before it starts, in one line, without the JAAS password.
 */
public class RelayKafkaSecurityIntegrationTests {

    public static final KafkaUser RELAY = new KafkaUser("relay", "Relay-S3cret-Jaas");
    private static KafkaInstance kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSecuredKafka() {
        kafka = Infrastructure.startKafka(KafkaOptions.sasl(RELAY).withAuthorizer());
    }

    @AfterAll
    static void stopSecuredKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void principalThatMayNotCreateTopicsIsToldWhichAclToAddOrWhichTopicsToCreate() throws Exception {
        RelayFixture fixture = new RelayFixture(SharedInfrastructure.postgres(), kafka);

        StartupOutcome outcome = StartupOutcome.run(dir, relayProperties(fixture, RELAY));

        outcome.assertOneLine(RelayCli.EXIT_STARTUP, "Kafka at " + kafka.bootstrapServers() + " does not let User:relay create topics",
                fixture.topicPrefix + ".dead-letter, " + fixture.topicPrefix + ".offsets",
                "run kafka-acls --bootstrap-server " + kafka.bootstrapServers()
                        + " --add --allow-principal User:relay --operation Create --cluster, or create");
        assertThat(outcome.stderr()).doesNotContain(RELAY.password());
    }

    @Test
    void wrongSaslPasswordSaysToCheckTheJaasConfigAndNeverShowsThePassword() throws Exception {
        RelayFixture fixture = new RelayFixture(SharedInfrastructure.postgres(), kafka);
        String wrong = "Wr0ng-Jaas-Passw0rd";
        StartupOutcome outcome;
        String logs;
        try (CapturedLogs captured = CapturedLogs.start("io.outboxrelay", "org.apache.kafka.common.config")) {
            outcome = StartupOutcome.run(dir, relayProperties(fixture, new KafkaUser(RELAY.name(), wrong)));
            logs = captured.text();
        }

        outcome.assertOneLine(RelayCli.EXIT_STARTUP, "Kafka at " + kafka.bootstrapServers()
                + " rejected the SASL credentials of User:relay (mechanism SCRAM-SHA-256): check kafka.producer.sasl.jaas.config");
        assertThat(outcome.stderr()).doesNotContain(wrong);
        assertThat(logs).as("what was logged").contains("sasl.jaas.config").doesNotContain(wrong);
    }

    @Test
    void relayWithoutCreateAclRelaysToTopicsThatExistAlready() throws Exception {
        RelayFixture fixture = new RelayFixture(SharedInfrastructure.postgres(), kafka);
        String prefix = fixture.topicPrefix + ".";
        try (Admin admin = fixture.admin()) {
            admin.createTopics(List.of(new NewTopic(prefix + "dead-letter", 1, (short) 1), new NewTopic(prefix + "Order", 1, (short) 1),
                    new NewTopic(prefix + "offsets", 1, (short) 1).configs(Map.of("cleanup.policy", "compact")))).all().get();
            admin.createAcls(List.of(AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE).stream()
                    .map(operation -> new AclBinding(new ResourcePattern(ResourceType.TOPIC, prefix, PatternType.PREFIXED),
                            new AccessControlEntry(RELAY.principal(), "*", operation, AclPermissionType.ALLOW)))
                    .toList()).all().get();
        }
        String logs;
        try (CapturedLogs captured = CapturedLogs.start("io.outboxrelay", "io.debezium", "org.apache.kafka.common.config");
             Relay relay = Relay.start(fixture.relayConfig(asMap(relayProperties(fixture, RELAY))))) {
            fixture.sql("INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload)"
                    + " VALUES (gen_random_uuid(), 'Order', 'order-1', 'OrderPlaced', '{\"total\": 1}')");
            await().atMost(Duration.ofSeconds(60)).until(() -> fixture.endOffsetSum(List.of(prefix + "Order")) == 1);
            assertThat(relay.state()).isEqualTo(Relay.State.RUNNING);
            logs = captured.text();
        }
        assertThat(logs).as("what was logged").contains("sasl.jaas.config").doesNotContain(RELAY.password());
    }

    /** The fixture's settings, with the user's credentials passed through to the producer (and so to every client). */
    private static Properties relayProperties(RelayFixture fixture, KafkaUser user) {
        Properties props = fixture.relayProperties(Map.of("startup.timeout.ms", "10000"));
        kafka.clientProperties(user).forEach((key, value) -> props.setProperty("kafka.producer." + key, value));
        return props;
    }

    private static Map<String, String> asMap(Properties props) {
        Map<String, String> map = new HashMap<>();
        props.stringPropertyNames().forEach(name -> map.put(name, props.getProperty(name)));
        return map;
    }
}
