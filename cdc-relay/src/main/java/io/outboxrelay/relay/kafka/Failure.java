package io.outboxrelay.relay.kafka;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPidMappingException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnknownProducerIdException;

/**
 * What a failed send or topic creation means for the relay: the one place that decides whether a failure
 * is one row's fault, the producer's, or the relay's surroundings' (as HikariCP's SQLExceptionOverride
 * decides for SQL errors). The rule, also in the README:
 * <ul>
 *   <li>{@link #ROW}: caused by this row and not cured by retrying (Kafka refuses its topic's name or the
 *       record's size or content): the row goes to the dead-letter topic with the reason, the relay goes on;</li>
 *   <li>{@link #PRODUCER}: the producer reached a state it cannot leave (sequence lost, fenced, epoch or
 *       producer id unknown): the relay replaces it and sends again, in order, what Kafka has not acknowledged;</li>
 *   <li>{@link #STOP}: anything else (Kafka unreachable beyond the timeouts, authentication or authorization
 *       refused, broker storage failing, configuration): the relay stops with one line and exit code 1, without
 *       saving a position past the failure; a restart sends it again.</li>
 * </ul>
 */
public enum Failure {
    ROW, PRODUCER, STOP;

    /** The kind of {@code error}, as a producer callback or an admin future reports it. */
    public static Failure of(Throwable error) {
        // not instanceof InvalidConfigurationException: Kafka derives authorization, authentication, replication factor and
        // unsupported-version errors from it, and those are no row's fault; exactly it is a topic config Kafka refused
        if (error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException
                || error instanceof InvalidTopicException || error instanceof InvalidRecordException
                || error instanceof PolicyViolationException || error.getClass() == InvalidConfigurationException.class) {
            return ROW;
        }
        if (error instanceof OutOfOrderSequenceException || error instanceof ProducerFencedException
                || error instanceof InvalidProducerEpochException || error instanceof UnknownProducerIdException
                || error instanceof InvalidPidMappingException) {
            return PRODUCER;
        }
        return STOP;
    }

    /** A failure as the relay's lines and dead-letter reasons quote it: its type and Kafka's message. */
    static String describe(Throwable error) {
        return error.getClass().getSimpleName() + ": " + error.getMessage();
    }

    /** Whether Kafka refused the record for its size: its dead letter leaves the payload out. */
    static boolean isSize(Throwable error) {
        return error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException;
    }
}
