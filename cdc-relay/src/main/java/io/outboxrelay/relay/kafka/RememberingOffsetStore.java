package io.outboxrelay.relay.kafka;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.KafkaOffsetBackingStore;
import org.apache.kafka.connect.util.Callback;
import org.apache.kafka.connect.util.SharedTopicAdmin;

import io.debezium.embedded.KafkaConnectUtil;

/**
 * Kafka Connect's offset store in its topic (the one Debezium builds for
 * {@code offset.storage=...KafkaOffsetBackingStore}, same topic, keys and values), except that reading a
 * position the relay has itself written, and Kafka acknowledged, is answered from memory.
 *
 * <p>Why: after every saved position (each {@code offset.flush.interval.ms}) Debezium's Postgres task
 * reads the saved position back before confirming it to PostgreSQL, on the engine's polling thread, and
 * Kafka's store answers every read by reading its topic to the end: measured 20-130 ms each time, once a
 * second, during which no event moves (the relay's p99 latency at half load: 170-260 ms). Answering from
 * what this store wrote is safe because one relay writes its offsets (a second relay on the same slot is
 * refused), and a value is remembered only once Kafka acknowledged it: what PostgreSQL is told to release
 * is never ahead of what Kafka holds. Keys this store has not written are read from the topic as before.
 *
 * <p>With {@link #POSITIONS_IN_TRANSACTIONS} (exactly-once) the position is written by the {@link TransactionalEventSink}
 * in the transaction of the events it follows, and this store writes nothing: it remembers what the engine saves (only
 * positions of records marked processed, so of committed transactions) for the engine to read back, and reads the topic
 * at start with {@code read_committed} (the engine's {@code isolation.level}, set by the relay).
 */
public final class RememberingOffsetStore extends KafkaOffsetBackingStore {

    /** Engine setting: true when the positions are written in the events' transactions, not by this store. */
    public static final String POSITIONS_IN_TRANSACTIONS = "outbox.relay.positions.in.transactions";

    /** What Kafka acknowledged from this store's writes; a removed key (null value) is not remembered. */
    private final Map<ByteBuffer, ByteBuffer> written = new ConcurrentHashMap<>();
    private final AtomicReference<SharedTopicAdmin> admin;
    private volatile boolean positionsInTransactions;

    /** For Debezium, which instantiates the class named in {@code offset.storage}. */
    public RememberingOffsetStore() {
        this(new AtomicReference<>());
    }

    private RememberingOffsetStore(AtomicReference<SharedTopicAdmin> admin) {
        // the client id Debezium gives its own Kafka offset store, so that quotas and ACLs keep applying
        super(() -> admin.get().get(), () -> "debezium-server", KafkaConnectUtil.converterForOffsetStore());
        this.admin = admin;
    }

    @Override
    public void configure(WorkerConfig config) {
        Map<String, Object> adminProps = new HashMap<>(config.originals());
        adminProps.put(CommonClientConfigs.CLIENT_ID_CONFIG, "debezium-servershared-admin");
        admin.set(new SharedTopicAdmin(adminProps));
        positionsInTransactions = Boolean.parseBoolean(String.valueOf(config.originals().get(POSITIONS_IN_TRANSACTIONS)));
        super.configure(config);
    }

    @Override
    public void stop() {
        try {
            super.stop();
        }
        finally {
            SharedTopicAdmin shared = admin.get();
            if (shared != null) {
                shared.close();
            }
        }
    }

    @Override
    public Future<Map<ByteBuffer, ByteBuffer>> get(Collection<ByteBuffer> keys) {
        Map<ByteBuffer, ByteBuffer> known = new HashMap<>();
        for (ByteBuffer key : keys) {
            ByteBuffer value = written.get(key);
            if (value == null) {
                return super.get(keys);
            }
            known.put(key, value);
        }
        return CompletableFuture.completedFuture(known);
    }

    @Override
    public Future<Void> set(Map<ByteBuffer, ByteBuffer> values, Callback<Void> callback) {
        Map<ByteBuffer, ByteBuffer> copy = new HashMap<>(values);
        if (positionsInTransactions) {
            remember(copy); // already in Kafka, committed with the events it follows
            if (callback != null) {
                callback.onCompletion(null, null);
            }
            return CompletableFuture.completedFuture(null);
        }
        return super.set(values, (error, result) -> {
            if (error == null) {
                remember(copy);
            }
            if (callback != null) {
                callback.onCompletion(error, result);
            }
        });
    }

    private void remember(Map<ByteBuffer, ByteBuffer> acknowledged) {
        for (Map.Entry<ByteBuffer, ByteBuffer> e : acknowledged.entrySet()) {
            if (e.getValue() == null) {
                written.remove(e.getKey());
            }
            else {
                written.put(e.getKey(), e.getValue());
            }
        }
    }
}
