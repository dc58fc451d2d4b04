package io.outboxrelay.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.kafka.common.utils.AppInfoParser;
import org.postgresql.ds.PGSimpleDataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Debezium's Postgres connector with the outbox EventRouter on Kafka Connect in standalone mode
 * ({@code ConnectStandalone worker.properties connector.properties}, Connect and stock Debezium from the bench's
 * class path without the relay's classes and debezium-patches: {@link StockClassPath}): the setup most users run instead of a relay.
 * Configured by {@link ConnectConfig}.
 */
final class ConnectContender implements Contender {

    static final String NAME = "kafka-connect";

    static final String SLOT = "bench_connect";
    private static final String MAIN = "org.apache.kafka.connect.cli.ConnectStandalone";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String topic;
    private DataSource dataSource;
    private Path offsetsFile;
    private TopicCounter counter;
    private boolean slotCreated;
    private BenchContext context;
    private ChildJvm child;

    /** @param topic where it writes every event (one partition, created by the caller) */
    ConnectContender(String topic) {
        this.topic = topic;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        // java.lang.Module would shadow Debezium's
        return "Debezium " + io.debezium.connector.postgresql.Module.version() + " Postgres connector on Kafka Connect "
                + AppInfoParser.getVersion() + " standalone: pgoutput, outbox EventRouter (event id in header 'id'), "
                + "StringConverter; poll.interval.ms=10, max.batch.size=2048, max.queue.size=8192, no heartbeat; "
                + "producer acks=all, idempotent, 5 in flight, linger 5 ms, batch 256 KiB; offsets to a file every 1 s";
    }

    @Override
    public void start(BenchContext context) throws Exception {
        try {
            createSlot(context);
            launch(context);
        }
        catch (Exception | Error e) {
            try {
                close();
            }
            catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The first half of {@link #start}: the slot and the offset delivered() counts from. */
    void createSlot(BenchContext context) throws SQLException, IOException {
        dataSource = dataSource(context);
        offsetsFile = context.logDirectory().resolve(name() + ".offsets");
        // no stored offsets: Debezium must start from the slot's position
        Files.deleteIfExists(offsetsFile);
        counter = new TopicCounter(context.bootstrapServers(), topic);
        Slots.create(context, SLOT);
        this.context = context;
        slotCreated = true;
    }

    /** The second half of {@link #start}: the worker, until its connector streams from the slot. */
    void launch(BenchContext context) throws Exception {
        Path dir = context.logDirectory();
        int restPort = freePort();
        Path worker = write(dir.resolve(name() + "-worker.properties"), ConnectConfig.worker(context, restPort, offsetsFile));
        Path connector = write(dir.resolve(name() + "-connector.properties"), ConnectConfig.connector(context, SLOT, topic));
        Path log4j = dir.resolve(name() + "-log4j2.xml");
        try (InputStream in = ConnectContender.class.getResourceAsStream("connect-log4j2.xml")) {
            Files.copy(in, log4j, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> jvmOptions = new ArrayList<>(context.jvmOptions());
        jvmOptions.add("-Dlog4j2.configurationFile=" + log4j);
        // stock Debezium: without debezium-patches (and the relay), whose copies of some Debezium classes would shadow Debezium's
        child = ChildJvm.launch(name(), StockClassPath.ofThisJvm(), jvmOptions, MAIN, List.of(worker.toString(), connector.toString()),
                Map.of(ConnectConfig.PASSWORD_ENV, context.password()), dir.resolve(name() + ".log"));
        awaitStreaming(URI.create("http://127.0.0.1:" + restPort + "/connectors/" + ConnectConfig.CONNECTOR + "/status"));
    }

    /**
     * Until the connector and its task are RUNNING (REST) and the slot has a walsender: a RUNNING task has
     * only started Debezium's streaming thread, which then connects.
     */
    private void awaitStreaming(URI status) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        PostgresProbe postgres = new PostgresProbe(dataSource);
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String lastState = "no answer from " + status;
        while (true) {
            if (!child.isAlive()) {
                throw new IllegalStateException("Kafka Connect exited before its connector ran; its log "
                        + child.logFile() + " ends with:\n" + child.tail());
            }
            JsonNode answer = statusOf(http, status);
            if (answer != null) {
                String connector = answer.path("connector").path("state").asText();
                JsonNode task = answer.path("tasks").path(0);
                String taskState = task.path("state").asText("none");
                if ("FAILED".equals(connector) || "FAILED".equals(taskState)) {
                    throw new IllegalStateException("Kafka Connect's connector failed: " + firstLine(
                            task.path("trace").asText(answer.path("connector").path("trace").asText()))
                            + "; see " + child.logFile());
                }
                lastState = "connector " + connector + ", task " + taskState;
                if ("RUNNING".equals(connector) && "RUNNING".equals(taskState) && postgres.activePid(SLOT) > 0) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Kafka Connect did not stream within " + READY_TIMEOUT + " (" + lastState
                        + "); its log " + child.logFile() + " ends with:\n" + child.tail());
            }
            Thread.sleep(100);
        }
    }

    /** The REST status, or null while the worker does not answer (starting) or does not know the connector yet. */
    private static JsonNode statusOf(HttpClient http, URI status) throws InterruptedException {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(status).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        }
        catch (IOException e) {
            return null;
        }
    }

    /** @throws IllegalStateException if the worker has exited (a failed task leaves it running: see its log) */
    @Override
    public synchronized long delivered() {
        if (child != null && !child.isAlive()) {
            throw new IllegalStateException("Kafka Connect exited; its log " + child.logFile() + " ends with:\n" + child.tail());
        }
        return counter.count();
    }

    @Override
    public String topic() {
        return topic;
    }

    @Override
    public String eventIdHeader() {
        return ConnectConfig.EVENT_ID_HEADER;
    }

    @Override
    public ChildJvm process() {
        return child;
    }

    /** Stops the worker (its shutdown hook stops the connector), drops the slot once released, deletes the offsets. */
    @Override
    public void close() throws Exception {
        try {
            if (child != null) {
                child.stop(STOP_GRACE);
            }
        }
        finally {
            try {
                if (counter != null) {
                    counter.close();
                    counter = null;
                }
                if (slotCreated) {
                    Slots.drop(context, SLOT);
                    slotCreated = false;
                }
            }
            finally {
                if (offsetsFile != null) {
                    Files.deleteIfExists(offsetsFile);
                }
            }
        }
    }

    private static DataSource dataSource(BenchContext context) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(context.jdbcUrl());
        ds.setUser(context.user());
        ds.setPassword(context.password());
        ds.setApplicationName("outbox-bench");
        return ds;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A .properties file in the given order (only backslashes need escaping in our values). */
    private static Path write(Path file, Map<String, String> properties) throws IOException {
        StringBuilder text = new StringBuilder("# written by the outbox bench (ConnectContender)\n");
        properties.forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        return Files.writeString(file, text);
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }
}
