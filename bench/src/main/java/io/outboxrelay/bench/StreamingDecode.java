package io.outboxrelay.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * The child JVM of {@link StreamingDecodeContender}: PostgreSQL's logical decoding of the outbox
 * through the streaming replication protocol and pgoutput, read as fast as one Java thread can,
 * and nothing more: it counts the INSERT messages of {@code outbox.event} (the heartbeat table's
 * inserts are told apart by their relation id) and acknowledges every message's position (sent to
 * the server every {@value #STATUS_MILLIS} ms while messages keep coming, and at once whenever it has
 * caught up). It neither parses rows nor talks to Kafka: a lower bound for any pgoutput client in Java.
 * <p>
 * Settings ({@link ChildSettings}): {@code jdbc.url}, {@code database.user}, {@code slot.name} (the
 * slot exists), {@code publication}, {@code count.file}. Every {@value #REPORT_MILLIS} ms, when it
 * changed, it replaces the count file (written aside, then moved over it) by one line:
 * {@code <inserts counted> <last acknowledged LSN>}. Prints {@value #READY} once streaming.
 */
final class StreamingDecode {

    static final String READY = "streaming decode ready";
    static final String SLOT = "slot.name";
    static final String PUBLICATION = "publication";
    static final String COUNT_FILE = "count.file";
    static final long REPORT_MILLIS = 20;
    /** How often pgjdbc tells the server what is flushed while messages keep coming. */
    private static final long STATUS_MILLIS = 100;

    private static final String OUTBOX_SCHEMA = "outbox";
    private static final String OUTBOX_TABLE = "event";

    private final PGReplicationStream stream;
    private final Path countFile;
    private volatile boolean running = true;
    private volatile long inserts;
    private volatile LogSequenceNumber acknowledged = LogSequenceNumber.INVALID_LSN;
    /** The outbox table's relation id, from pgoutput's RELATION message; -1 until then. */
    private long outboxRelation = -1;

    private StreamingDecode(PGReplicationStream stream, Path countFile) {
        this.stream = stream;
        this.countFile = countFile;
    }

    public static void main(String[] args) {
        try {
            run(ChildSettings.load(StreamingDecode.class.getName(), args));
        }
        catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
        catch (Exception e) {
            System.err.println("streaming decode failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(ChildSettings settings) throws Exception {
        Properties props = settings.connectionProperties("bench-streaming-decode");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        String slot = settings.get(SLOT);
        CountDownLatch stopped = new CountDownLatch(1);
        try (Connection connection = DriverManager.getConnection(settings.get(ChildSettings.JDBC_URL), props)) {
            PGReplicationStream stream = connection.unwrap(PGConnection.class).getReplicationAPI()
                    .replicationStream().logical()
                    .withSlotName(slot)
                    .withSlotOption("proto_version", "1")
                    .withSlotOption("publication_names", settings.get(PUBLICATION))
                    .withStatusInterval((int) STATUS_MILLIS, TimeUnit.MILLISECONDS)
                    .start();
            StreamingDecode decode = new StreamingDecode(stream, Path.of(settings.get(COUNT_FILE)));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> decode.stop(connection, stopped), "stop"));
            Thread reporter = new Thread(decode::report, "count-file");
            reporter.setDaemon(true);
            reporter.start();
            System.out.println(READY + ": slot " + slot);
            System.out.flush();
            try {
                decode.loop();
            }
            catch (SQLException e) {
                if (decode.running) {
                    throw e;
                }
                // the connection was closed under a blocking read to stop it
            }
            decode.writeCount();
            System.out.println("streaming decode stopped after " + decode.inserts + " outbox inserts");
        }
        finally {
            stopped.countDown();
        }
    }

    private void loop() throws SQLException {
        LogSequenceNumber reported = LogSequenceNumber.INVALID_LSN;
        while (running) {
            ByteBuffer message = stream.readPending();
            if (message == null) {
                // caught up: tell the server what is flushed now (pgjdbc sends it on its own only every
                // STATUS_MILLIS while reading), then block until there is more
                if (!acknowledged.equals(reported)) {
                    stream.forceUpdateStatus();
                    reported = acknowledged;
                }
                message = stream.read();
                if (message == null) {
                    return;
                }
            }
            handle(message);
            LogSequenceNumber lsn = stream.getLastReceiveLSN();
            stream.setAppliedLSN(lsn);
            stream.setFlushedLSN(lsn);
            acknowledged = lsn;
        }
    }

    /** pgoutput protocol version 1: the first byte is the message type; only RELATION and INSERT matter here. */
    private void handle(ByteBuffer message) {
        byte type = message.get(0);
        if (type == 'I') {
            if (message.getInt(1) == outboxRelation) {
                inserts++;
            }
        }
        else if (type == 'R') {
            // R, relation id (int32), namespace (string), relation name (string), ...
            int at = 5;
            String namespace = cString(message, at);
            at += namespace.getBytes(StandardCharsets.UTF_8).length + 1;
            String name = cString(message, at);
            if (namespace.equals(OUTBOX_SCHEMA) && name.equals(OUTBOX_TABLE)) {
                outboxRelation = message.getInt(1);
            }
        }
    }

    private static String cString(ByteBuffer buffer, int from) {
        int end = from;
        while (buffer.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - from];
        buffer.get(from, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Replaces the count file whenever the figures changed, until the JVM exits. */
    private void report() {
        String written = "";
        while (true) {
            String now = inserts + " " + acknowledged.asString();
            if (!now.equals(written)) {
                try {
                    writeCount();
                    written = now;
                }
                catch (IOException e) {
                    System.err.println("streaming decode: cannot write " + countFile + ": " + e);
                }
            }
            try {
                Thread.sleep(REPORT_MILLIS);
            }
            catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void writeCount() throws IOException {
        // the LSN first: it never runs ahead of the count read after it
        LogSequenceNumber lsn = acknowledged;
        String line = inserts + " " + lsn.asString() + "\n";
        Path tmp = countFile.resolveSibling(countFile.getFileName() + ".tmp");
        Files.writeString(tmp, line);
        Files.move(tmp, countFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * On SIGTERM: the read blocks until the server sends something, so closing the connection is
     * what ends it (the bench drops the slot next; its last position needs no saving).
     */
    private void stop(Connection connection, CountDownLatch stopped) {
        running = false;
        try {
            connection.close();
            if (!stopped.await(10, TimeUnit.SECONDS)) {
                System.err.println("streaming decode did not stop within 10 s; exiting anyway");
            }
        }
        catch (SQLException e) {
            System.err.println("streaming decode: closing the connection failed: " + e.getMessage());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
