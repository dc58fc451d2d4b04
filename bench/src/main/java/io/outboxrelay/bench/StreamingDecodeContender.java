package io.outboxrelay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.outboxrelay.sql.OutboxHeaders;
import io.outboxrelay.sql.OutboxSchema;

/**
 * The raw baseline: PostgreSQL's logical decoding of the outbox streamed over the replication
 * protocol (pgoutput, as Debezium and the relay use it) to {@link StreamingDecode} in a child JVM,
 * which counts and acknowledges the outbox inserts and does nothing else. What any Java pgoutput
 * client must do at least, so the rate to hold the relay against (issue 6: at least 0.8 times this).
 * <p>
 * {@link #start} creates its own slot ({@value #SLOT}) at the current WAL position, so it sees what
 * is committed from then on; {@link #close} drops it. It writes nothing to Kafka: {@link #topic()}
 * is null and latency is not measured. {@link #delivered()} reads the count file the child rewrites
 * every {@value StreamingDecode#REPORT_MILLIS} ms.
 */
final class StreamingDecodeContender implements Contender {

    static final String NAME = "streaming-decode";

    static final String SLOT = "bench_streaming_decode";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    /** What the child has reported: outbox inserts decoded and the position acknowledged last. */
    record Progress(long inserts, String acknowledgedLsn) {
    }

    private BenchContext context;
    private Path countFile;
    private ChildJvm child;
    private boolean slotCreated;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "PostgreSQL logical decoding streamed to Java (pgjdbc replication API, pgoutput proto 1): "
                + "outbox inserts counted and acknowledged, no Kafka";
    }

    @Override
    public void start(BenchContext context) throws Exception {
        this.context = context;
        this.countFile = context.logDirectory().resolve("streaming-decode.count");
        Files.deleteIfExists(countFile);
        Slots.create(context, SLOT);
        slotCreated = true;
        try {
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

    private void launch(BenchContext context) throws InterruptedException {
        Map<String, String> settings = new HashMap<>(ChildSettings.database(context));
        settings.put(StreamingDecode.SLOT, SLOT);
        settings.put(StreamingDecode.PUBLICATION, OutboxSchema.PUBLICATION);
        settings.put(StreamingDecode.COUNT_FILE, countFile.toString());
        Path file = ChildSettings.write(context.logDirectory().resolve("streaming-decode.properties"), settings);
        child = ChildJvm.launch(name(), context.jvmOptions(), StreamingDecode.class.getName(), List.of(file.toString()),
                ChildSettings.environment(context), context.logDirectory().resolve("streaming-decode.log"));
        child.awaitLog(log -> log.contains(StreamingDecode.READY), READY_TIMEOUT);
    }

    @Override
    public long delivered() throws IOException {
        return progress().inserts();
    }

    /** The child's last report; zero before its first one. */
    Progress progress() throws IOException {
        String line;
        try {
            line = Files.readString(countFile).trim();
        }
        catch (NoSuchFileException e) {
            return new Progress(0, "0/0");
        }
        String[] parts = line.split(" ");
        return new Progress(Long.parseLong(parts[0]), parts[1]);
    }

    @Override
    public String topic() {
        return null;
    }

    @Override
    public String eventIdHeader() {
        return OutboxHeaders.EVENT_ID;
    }

    @Override
    public ChildJvm process() {
        return child;
    }

    /** Stops the child, then drops the slot (a forgotten slot holds WAL back forever). */
    @Override
    public void close() throws Exception {
        try {
            if (child != null) {
                child.close();
            }
        }
        finally {
            if (slotCreated) {
                Slots.drop(context, SLOT);
                slotCreated = false;
            }
        }
    }
}
