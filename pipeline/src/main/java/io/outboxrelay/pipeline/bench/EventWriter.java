package io.outboxrelay.pipeline.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import io.outboxrelay.legacy.OutboxWriter;
import io.outboxrelay.legacy.OutboxWriter.NewEvent;

/**
 * Writes bench events through the application's {@link OutboxWriter}, from one connection. Rows
 * look like an application's: a JSON payload of the requested length, a trace id, spread over
 * {@value #AGGREGATES} aggregates (record keys). Not the thing measured, so it only has to be
 * fast enough not to dominate the run time.
 */
final class EventWriter implements AutoCloseable {

    static final int AGGREGATES = 1000;
    private static final String EVENT_TYPE = "BenchEventHappened";

    private final OutboxWriter writer = new OutboxWriter();
    private final Connection connection;
    private final int payloadBytes;
    private long sequence;

    EventWriter(DataSource dataSource, int payloadBytes) throws SQLException {
        this.connection = dataSource.getConnection();
        this.connection.setAutoCommit(false);
        this.payloadBytes = payloadBytes;
    }

    /** Writes {@code count} events in transactions of {@code txSize}; returns the seconds it took. */
    double write(int count, int txSize) throws SQLException {
        long start = System.nanoTime();
        List<NewEvent> tx = new ArrayList<>(txSize);
        for (int written = 0; written < count; written += tx.size()) {
            tx.clear();
            for (int i = 0; i < Math.min(txSize, count - written); i++) {
                tx.add(next(UUID.randomUUID()));
            }
            writer.write(connection, tx);
            connection.commit();
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * Commits one event in a transaction of its own.
     *
     * @return {@link System#nanoTime()} when the commit returned: from then on the event exists for readers
     */
    long writeOne(UUID eventId) throws SQLException {
        writer.write(connection, List.of(next(eventId)));
        connection.commit();
        return System.nanoTime();
    }

    /**
     * Commits one transaction with an event for each id.
     *
     * @return {@link System#nanoTime()} when the commit returned
     */
    long writeTransaction(List<UUID> eventIds) throws SQLException {
        List<NewEvent> tx = new ArrayList<>(eventIds.size());
        for (UUID id : eventIds) {
            tx.add(next(id));
        }
        writer.write(connection, tx);
        connection.commit();
        return System.nanoTime();
    }

    private NewEvent next(UUID eventId) {
        long seq = sequence++;
        String aggregateId = "agg-" + (seq % AGGREGATES);
        return new NewEvent(eventId, BenchEnvironment.AGGREGATE_TYPE, aggregateId, EVENT_TYPE,
                payload(aggregateId, seq, payloadBytes), "trace-" + eventId.toString().substring(0, 8), null);
    }

    /** A JSON object of exactly {@code length} characters (or the shortest possible one, if that is longer). */
    static String payload(String aggregateId, long seq, int length) {
        String head = "{\"aggregateId\":\"" + aggregateId + "\",\"seq\":" + seq + ",\"pad\":\"";
        String tail = "\"}";
        return head + "x".repeat(Math.max(0, length - head.length() - tail.length())) + tail;
    }

    @Override
    public void close() throws SQLException {
        try {
            connection.rollback();
        }
        finally {
            connection.close();
        }
    }
}
