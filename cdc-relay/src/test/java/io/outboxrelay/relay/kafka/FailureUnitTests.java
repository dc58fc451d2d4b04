package io.outboxrelay.relay.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.junit.jupiter.api.Test;

class FailureUnitTests {

    @Test
    void whatKafkaRefusesForOneRowIsThatRowsFault() {
        for (Exception e : List.of(new RecordTooLargeException("too large"), new InvalidTopicException("collides"),
                new InvalidRecordException("compacted topic needs a key"), new PolicyViolationException("name not allowed"),
                new InvalidConfigurationException("bad config for this topic"))) {
            assertThat(Failure.of(e)).as(e.getClass().getSimpleName()).isEqualTo(Failure.ROW);
        }
    }

    @Test
    void aProducerKafkaNoLongerAcceptsIsReplaced() {
        for (Exception e : List.of(new OutOfOrderSequenceException("seq"), new ProducerFencedException("fenced"),
                new InvalidProducerEpochException("epoch"), new UnknownProducerIdException("pid"))) {
            assertThat(Failure.of(e)).as(e.getClass().getSimpleName()).isEqualTo(Failure.PRODUCER);
        }
    }

    @Test
    void unreachableUnauthorizedOrFailingKafkaStopsTheRelay() {
        for (Exception e : List.of(new TimeoutException("Expiring 1 record(s)"), new TopicAuthorizationException("denied"),
                new ClusterAuthorizationException("denied"), new AuthenticationException("bad password"),
                new KafkaStorageException("disk full"), new NotEnoughReplicasException("isr"),
                new InvalidReplicationFactorException("3 > 1 broker"), new IllegalStateException("anything else"))) {
            assertThat(Failure.of(e)).as(e.getClass().getSimpleName()).isEqualTo(Failure.STOP);
        }
    }
}
