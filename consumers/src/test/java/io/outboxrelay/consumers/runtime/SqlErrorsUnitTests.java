package io.outboxrelay.consumers.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.outboxrelay.consumers.runtime.SqlErrors.Kind;

class SqlErrorsUnitTests {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "40001, TRANSIENT", // serialization failure
            "40P01, TRANSIENT", // deadlock
            "08006, TRANSIENT", // connection failure
            "08001, TRANSIENT", // cannot connect
            "53300, TRANSIENT", // too many connections
            "57P01, TRANSIENT", // admin shutdown
            "55P03, TRANSIENT", // lock not available
            "22003, REJECTS_EVENT", // numeric value out of range
            "22001, REJECTS_EVENT", // string too long
            "23505, REJECTS_EVENT", // unique violation
            "23514, REJECTS_EVENT", // check violation
            "42P01, FATAL", // undefined table: a broken setup, not the event
            "42501, FATAL", // insufficient privilege
            "XX000, FATAL"})
    void classifiesBySqlState(String state, Kind kind) {
        assertThat(SqlErrors.classify(new SQLException("x", state))).isEqualTo(kind);
    }

    @Test
    void poolTimeoutsAreTransientWhateverTheirState() {
        // HikariCP throws this when no connection could be had within connectionTimeout
        assertThat(SqlErrors.classify(new SQLTransientConnectionException("pool timed out"))).isEqualTo(Kind.TRANSIENT);
    }

    @Test
    void batchErrorsAreClassifiedByTheNextExceptionsState() {
        BatchUpdateException batch = new BatchUpdateException("batch entry 0 failed", null, 0, new int[0], null);
        batch.setNextException(new SQLException("duplicate key", "23505"));
        assertThat(SqlErrors.classify(batch)).isEqualTo(Kind.REJECTS_EVENT);
    }

    @Test
    void unknownStateIsFatal() {
        assertThat(SqlErrors.classify(new SQLException("no state"))).isEqualTo(Kind.FATAL);
    }
}
