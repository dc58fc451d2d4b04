package io.outboxrelay.consumers.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class ConsumerSettingsUnitTests {

    private static ConsumerSettings.Builder valid() {
        return ConsumerSettings.builder("kafka:9092", "read-model", "read_model").topics(List.of("outbox.Order"));
    }

    @Test
    void fixesTheSettingsTheDeliveryGuaranteeRestsOn() {
        ConsumerSettings settings = valid().kafkaProperty("security.protocol", "SSL").build();

        assertThat(settings.consumerProperties())
                .containsEntry("enable.auto.commit", "false")
                .containsEntry("isolation.level", "read_committed")
                .containsEntry("auto.offset.reset", "earliest")
                .containsEntry("group.id", "read-model")
                .containsEntry("security.protocol", "SSL");
        assertThat(settings.producerProperties())
                .containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true")
                .containsEntry("security.protocol", "SSL")
                .doesNotContainKey("isolation.level");
    }

    @Test
    void deadLetterTopicDefaultsToTheGroupsOwn() {
        assertThat(valid().build().deadLetterTopic()).isEqualTo("read-model.dead-letter");
        assertThat(valid().deadLetterTopic("dlq").build().deadLetterTopic()).isEqualTo("dlq");
    }

    @Test
    void rejectsOverridingAFixedKafkaProperty() {
        assertThatThrownBy(() -> valid().kafkaProperty("enable.auto.commit", "true").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("kafka property 'enable.auto.commit' cannot be set: the runtime fixes it (false) for its delivery guarantee");
        assertThatThrownBy(() -> valid().kafkaProperty("group.id", "other").build())
                .hasMessage("kafka property 'group.id' cannot be set: use groupId");
    }

    @Test
    void rejectsSchemaNamesThatCouldNotBeUsedInSql() {
        assertThatThrownBy(() -> ConsumerSettings.builder("kafka:9092", "g", "read_model; DROP").topics(List.of("t")).build())
                .hasMessageStartingWith("schema 'read_model; DROP' must be lower-case letters");
    }

    @Test
    void rejectsMissingTopicsAndSubscribingToTheDeadLetterTopic() {
        assertThatThrownBy(() -> ConsumerSettings.builder("kafka:9092", "g", "s").build())
                .hasMessage("topics: subscribe to at least one topic");
        assertThatThrownBy(() -> valid().topics(List.of("outbox.Order", "read-model.dead-letter")).build())
                .hasMessage("deadLetterTopic 'read-model.dead-letter' is also subscribed: dead letters would be read back");
    }

    @Test
    void rejectsTopicNamesKafkaRefusesTheRelaysRuleIncluded() {
        for (String topic : List.of("..", ".", "a b", "x".repeat(250))) {
            assertThatThrownBy(() -> valid().topics(List.of(topic)).build()).as(topic)
                    .hasMessage("topics: '" + topic + "' is not a legal Kafka topic name");
        }
        assertThatThrownBy(() -> valid().deadLetterTopic("..").build()).hasMessageStartingWith("deadLetterTopic '..' is not a legal");
    }

    @Test
    void backoffDoublesUpToTheCap() {
        ConsumerSettings settings = valid().retries(10, Duration.ofMillis(100), Duration.ofMillis(1000)).build();

        assertThat(List.of(settings.backoff(1), settings.backoff(2), settings.backoff(4), settings.backoff(5), settings.backoff(60)))
                .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(800),
                        Duration.ofMillis(1000), Duration.ofMillis(1000));
    }
}
