package io.outboxrelay.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class KafkaIntegrationTests {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaIntegrationTests.class);

    @Test
    void startsKafkaRoundTripsARecordAndKeepsItAcrossAStopAndStart() throws Exception {
        long start = System.nanoTime();
        try (KafkaInstance kafka = Infrastructure.startKafka()) {
            LOG.info("Start time: Kafka {} ms", (System.nanoTime() - start) / 1_000_000);
            Map<String, Object> common = Map.of("bootstrap.servers", kafka.bootstrapServers());
            try (Admin admin = Admin.create(common)) {
                admin.createTopics(List.of(new NewTopic("testkit-roundtrip", 1, (short) 1))).all().get();
            }

            Map<String, Object> producerConfig = new HashMap<>(common);
            producerConfig.putAll(Map.of("acks", "all", "enable.idempotence", "true"));
            try (KafkaProducer<String, String> producer =
                         new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("testkit-roundtrip", "key-1", "value-1")).get();
            }

            Map<String, Object> consumerConfig = new HashMap<>(common);
            consumerConfig.putAll(Map.of("group.id", "testkit", "auto.offset.reset", "earliest"));
            List<ConsumerRecord<String, String>> received = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer =
                         new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(Set.of("testkit-roundtrip"));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (received.isEmpty() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                }
            }
            assertThat(received).singleElement().satisfies(record -> {
                assertThat(record.key()).isEqualTo("key-1");
                assertThat(record.value()).isEqualTo("value-1");
            });

            kafka.stopBroker();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000))) {
                assertThatThrownBy(() -> admin.listTopics().names().get()).as("the broker is gone")
                        .isInstanceOf(ExecutionException.class);
            }
            kafka.startBroker();
            try (KafkaProducer<String, String> producer =
                         new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("testkit-roundtrip", "key-2", "value-2")).get();
            }
            Map<String, Object> again = new HashMap<>(consumerConfig);
            again.put("group.id", "testkit-after-restart");
            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer =
                         new KafkaConsumer<>(again, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(Set.of("testkit-roundtrip"));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (values.size() < 2 && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(record -> values.add(record.value()));
                }
            }
            assertThat(values).as("same port, same log directories").containsExactly("value-1", "value-2");
        }
    }

    @Test
    void saslBrokerWithAuthorizerAuthenticatesScramUsersAndEnforcesAcls() throws Exception {
        KafkaUser alice = new KafkaUser("alice", "alice-secret");
        try (KafkaInstance kafka = Infrastructure.startKafka(KafkaOptions.sasl(alice).withAuthorizer())) {
            assertThat(kafka.adminClientProperties()).containsEntry("security.protocol", "SASL_PLAINTEXT")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-256");
            try (Admin admin = admin(kafka, kafka.adminClientProperties())) {
                admin.createTopics(List.of(new NewTopic("created-by-admin", 1, (short) 1))).all().get();
                admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "created-by-admin", PatternType.LITERAL),
                        new AccessControlEntry(alice.principal(), "*", AclOperation.DESCRIBE, AclPermissionType.ALLOW)))).all().get();
            }

            try (Admin asAlice = admin(kafka, kafka.clientProperties(alice))) {
                assertThat(asAlice.listTopics().names().get()).containsExactly("created-by-admin");
                assertThatThrownBy(() -> asAlice.createTopics(List.of(new NewTopic("alice-topic", 1, (short) 1))).all().get())
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
            }
            try (Admin wrongPassword = admin(kafka, kafka.clientProperties(new KafkaUser("alice", "not-her-password")))) {
                assertThatThrownBy(() -> wrongPassword.describeCluster().nodes().get())
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SaslAuthenticationException.class);
            }
        }
    }

    private static Admin admin(KafkaInstance kafka, Map<String, String> security) {
        Map<String, Object> props = new HashMap<>(security);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(props);
    }
}
