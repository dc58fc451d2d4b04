package io.outboxrelay.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.outboxrelay.relay.cli.RelayCli;

/**
 * This relay, as operators run it: {@code relay run --config FILE} in a child JVM, with the relay's own
 * defaults for everything but names and addresses. The password reaches it in its environment.
 * {@link #messages} is the same relay with {@code outbox.messages=true}, its events written with
 * {@code outbox.emit} instead of into the outbox table; {@link #exactlyOnce} the same relay with
 * {@code delivery.guarantee=exactly-once}.
 */
final class RelayContender implements Contender {

    static final String NAME = "relay";
    static final String MESSAGES_NAME = "relay-messages";
    static final String EXACTLY_ONCE_NAME = "relay-exactly-once";

    private final String name;
    private final String slot;
    private final boolean messages;
    private final String topic;
    private final Map<String, String> settings;
    private ChildJvm process;
    private TopicCounter counter;
    private BenchContext context;

    /**
     * @param topic    where it writes the events (every bench event has the same aggregate type)
     * @param settings further relay settings, e.g. {@code kafka.producer.linger.ms}, for trying tunings
     */
    RelayContender(String topic, Map<String, String> settings) {
        this(NAME, topic, settings, false);
    }

    private RelayContender(String name, String topic, Map<String, String> settings, boolean messages) {
        this.name = name;
        this.slot = "bench_" + name.replace('-', '_');
        this.messages = messages;
        this.topic = topic;
        this.settings = Map.copyOf(settings);
    }

    /** The relay with {@code delivery.guarantee=exactly-once}: each batch and its position in one Kafka transaction. */
    static RelayContender exactlyOnce(String topic, Map<String, String> settings) {
        Map<String, String> eos = new HashMap<>(settings);
        eos.put("delivery.guarantee", "exactly-once");
        return new RelayContender(EXACTLY_ONCE_NAME, topic, eos, false);
    }

    /** The relay relaying outbox events written as logical decoding messages ({@code outbox.messages=true}). */
    static RelayContender messages(String topic, Map<String, String> settings) {
        return new RelayContender(MESSAGES_NAME, topic, settings, true);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return "this relay (embedded Debezium, Connect records, own routing, acks=all idempotent)"
                + (messages ? ", events written with outbox.emit (logical decoding messages)" : "")
                + (settings.isEmpty() ? ", defaults" : ", " + settings);
    }

    @Override
    public boolean writesMessages() {
        return messages;
    }

    @Override
    public void start(BenchContext context) throws Exception {
        this.context = context;
        // no slot made in advance: the relay creates its own (snapshot.mode=no_data) before it reports RUNNING,
        // and the bench writes nothing before that
        Path config = context.logDirectory().resolve(name + ".properties");
        writeConfig(context, config);
        counter = new TopicCounter(context.bootstrapServers(), topic);
        process = ChildJvm.launch(name, context.jvmOptions(), RelayCli.class.getName(),
                List.of("run", "--config", config.toString()), Map.of("RELAY_DATABASE_PASSWORD", context.password()),
                context.logDirectory().resolve(name + ".log"));
        process.awaitLog(log -> log.contains("Relay state RUNNING"), Duration.ofMinutes(5));
    }

    private void writeConfig(BenchContext context, Path file) {
        Map<String, String> p = new HashMap<>();
        p.put("database.host", context.host());
        p.put("database.port", String.valueOf(context.port()));
        p.put("database.name", context.database());
        p.put("database.user", context.user());
        p.put("kafka.bootstrap.servers", context.bootstrapServers());
        // names of its own: a second relay contender must not find the first one's saved position
        p.put("relay.name", "bench-" + name);
        p.put("slot.name", slot);
        p.put("topic.pattern", topic);
        p.put("dead.letter.topic", "bench." + name + ".dead-letter");
        p.put("offset.topic", "bench." + name + ".offsets");
        if (messages) {
            p.put("outbox.messages", "true");
        }
        p.put("http.port", "-1");
        p.putAll(settings);
        ChildSettings.write(file, p, "bench: " + name + " contender; the password is in $RELAY_DATABASE_PASSWORD");
    }

    @Override
    public long delivered() {
        return counter.count();
    }

    @Override
    public String topic() {
        return topic;
    }

    @Override
    public String eventIdHeader() {
        return "eventId";
    }

    @Override
    public ChildJvm process() {
        return process;
    }

    @Override
    public void close() throws Exception {
        try {
            if (process != null) {
                process.stop(Duration.ofSeconds(60));
            }
        }
        finally {
            if (counter != null) {
                counter.close();
            }
            if (context != null) {
                Slots.drop(context, slot);
            }
        }
    }
}
