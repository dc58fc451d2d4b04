package io.outboxrelay.bench;

/**
 * One way of getting the outbox's events into Kafka (or, for a baseline, as far as it gets), measured
 * by the bench in a child JVM of its own so that its CPU time and memory are its own.
 * <p>
 * The bench drives every contender the same way: {@link #start} (it sees what is committed from then
 * on), a warm-up backlog, the child paused with SIGSTOP while the measured backlog is written, resumed
 * and timed until {@link #delivered()} has grown by the backlog, then paced loads for latency, then
 * {@link #close}.
 */
interface Contender extends AutoCloseable {

    /** Short name for tables, JSON and plots, e.g. {@code relay}, {@code kafka-connect}. */
    String name();

    /** One line: what runs, with which settings that matter. */
    String description();

    /**
     * Creates what must exist before the events it should see are written (a replication slot),
     * launches the child JVM and returns once it is ready to deliver what is committed from now on.
     */
    void start(BenchContext context) throws Exception;

    /**
     * Events delivered since {@link #start}: acknowledged by Kafka (records on the contender's topic),
     * or for a decoding baseline decoded and acknowledged to PostgreSQL. Cheap enough to poll every 50 ms.
     */
    long delivered() throws Exception;

    /**
     * The Kafka topic it writes the bench's events to (one partition), for latency: arrivals are matched
     * on {@link #eventIdHeader()}. Null if it writes nothing to Kafka (latency not measured).
     */
    String topic();

    /** The record header that carries the outbox row's event id. */
    String eventIdHeader();

    /**
     * True if the bench should write this contender's events as logical decoding messages ({@code outbox.emit})
     * instead of rows of the outbox table.
     */
    default boolean writesMessages() {
        return false;
    }

    /** The child JVM, measured for CPU and memory, paused and resumed by the bench. */
    ChildJvm process();

    /** Stops the child (SIGTERM, then SIGKILL after a grace period) and drops what {@link #start} created. */
    @Override
    void close() throws Exception;
}
