package io.outboxrelay.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import io.outboxrelay.sql.OutboxWriter;
import io.outboxrelay.sql.OutboxWriter.NewEvent;

/**
 * Writes bench events through the application's {@link OutboxWriter}, from one connection. Rows
 * look like an application's: a JSON payload of the requested length, a trace id, spread over
 * {@value #AGGREGATES} aggregates (record keys). Not the thing measured, so it only has to be
 * fast enough not to dominate the run time. {@link #writingMessages} gives a writer on the same
 * connection that writes the same events as logical decoding messages ({@code outbox.emit}).
 */
final class EventWriter implements AutoCloseable {

    static final int AGGREGATES = 1000;
    private static final String EVENT_TYPE = "BenchEventHappened";

    private final OutboxWriter writer;
    private final Connection connection;
    private final int payloadBytes;
    private final AtomicLong sequence;
    private final boolean ownsConnection;

    EventWriter(DataSource dataSource, int payloadBytes) throws SQLException {
        this(dataSource.getConnection(), payloadBytes, OutboxWriter.Target.TABLE, new AtomicLong(), true);
        this.connection.setAutoCommit(false);
    }

    private EventWriter(Connection connection, int payloadBytes, OutboxWriter.Target target, AtomicLong sequence,
                        boolean ownsConnection) {
        this.connection = connection;
        this.payloadBytes = payloadBytes;
        this.writer = new OutboxWriter(target);
        this.sequence = sequence;
        this.ownsConnection = ownsConnection;
    }

    /**
     * @param messages true: a writer on this one's connection (closing it closes nothing) writing through
     *                 {@code outbox.emit}; false: this writer
     */
    EventWriter writingMessages(boolean messages) {
        return messages ? new EventWriter(connection, payloadBytes, OutboxWriter.Target.MESSAGES, sequence, false) : this;
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
        long seq = sequence.getAndIncrement();
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
        if (!ownsConnection) {
            return;
        }
        try {
            connection.rollback();
        }
        finally {
            connection.close();
        }
    }
}
