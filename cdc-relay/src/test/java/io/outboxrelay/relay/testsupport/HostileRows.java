package io.outboxrelay.relay.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A seeded generator of hostile outbox events, and the writer that commits them: aggregate types from a hostile
 * alphabet ('.', '_', '-', unicode, spaces, '/', names of 249, 250 and 255 characters, pairs that collide in Kafka,
 * names of the relay's own topics, '.' and '..'), aggregate ids empty, huge or unicode, event types with control
 * characters, payloads of random JSON (null, scalars, deep nesting, empty containers, sizes around and beyond
 * Kafka's 1 MB limits), header columns with odd text; each event written as a table row or through
 * {@code outbox.emit}, by several writers at once in transactions of random size.
 *
 * <p>For every event it knows what must become of it: {@link Fate#TOPIC} (must arrive on its topic),
 * {@link Fate#DEAD_LETTER} (must be a dead letter, with a reason containing {@link Event#reason}) or {@link Fate#EITHER}
 * (Kafka decides: the second of a colliding pair, a record near the size limit).
 */
public final class HostileRows {

    public enum Fate { TOPIC, DEAD_LETTER, EITHER }

    /**
     * @param aggregateType as written; {@code topic} the topic it should reach (null: none)
     * @param writer        the writer that commits it: one aggregate is always written by one writer, in this list's order
     */
    public record Event(UUID eventId, String aggregateType, String aggregateId, String eventType, String payload, String traceId,
                 boolean message, Fate fate, String reason, String topic, int writer) {
    }

    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final int PRODUCER_LIMIT = 1_048_576; // max.request.size's default
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Most events with a payload or key of 100 kB or more in one run: enough to meet every limit, not to fill memory. */
    private static final int MAX_BIG = 40;

    private final Random random;
    private int big;
    private final String topicPrefix;
    private final int writers;
    public final List<Event> events = new ArrayList<>();
    /** Aggregate type -> what its name must give; filled before any event is made. */
    private final Map<String, Fate> typeFates = new LinkedHashMap<>();
    private final Map<String, String> typeReasons = new LinkedHashMap<>();

    /**
     * @param topicPrefix the relay's topic pattern is {@code topicPrefix + ".${aggregateType}"}; its dead-letter topic
     *                    {@code topicPrefix + ".dead-letter"} and offset topic {@code topicPrefix + ".offsets"}
     */
    public HostileRows(long seed, String topicPrefix, int count, int writers) {
        this.random = new Random(seed);
        this.topicPrefix = topicPrefix;
        this.writers = writers;
        aggregateTypes(Math.max(12, Math.min(count / 10, 400)));
        List<String> types = new ArrayList<>(typeFates.keySet());
        // a fixed set of aggregates per type, each owned by one writer, so that commit order per aggregate is known
        for (int i = 0; i < count; i++) {
            String type = types.get(random.nextInt(types.size()));
            events.add(event(type));
        }
    }

    private void aggregateTypes(int count) {
        type(".", Fate.TOPIC, null); // topic "<prefix>..": legal; only "." and ".." themselves are not
        type("..", Fate.TOPIC, null);
        type("dead-letter", Fate.DEAD_LETTER, "the relay's dead-letter topic");
        type("offsets", Fate.DEAD_LETTER, "the relay's offset topic");
        type("", Fate.DEAD_LETTER, "aggregate_type is null or empty");
        int room = 249 - topicPrefix.length() - 1;
        type("L".repeat(room), Fate.TOPIC, null); // a topic name of 249 characters, Kafka's longest
        type("M".repeat(room + 1), Fate.DEAD_LETTER, "characters gives a topic name of 250");
        type("N".repeat(room + 6), Fate.DEAD_LETTER, "characters gives a topic name of 255");
        while (typeFates.size() < count) {
            int n = typeFates.size();
            switch (random.nextInt(8)) {
                case 0 -> { // Kafka refuses the second of a pair that differs only in '.' and '_'
                    type("pair" + n + ".x", Fate.EITHER, null);
                    type("pair" + n + "_x", Fate.EITHER, null);
                }
                case 1 -> type(pick("Bestellung-ü", "订单", "Ordér", "naïve.type", "🚀") + n, Fate.DEAD_LETTER,
                        "not a legal Kafka topic name");
                case 2 -> type(pick("Order Line", "orders/2026", "a\\b", "x\"y", "tab\there", "semi;colon") + n,
                        Fate.DEAD_LETTER, "not a legal Kafka topic name");
                case 3 -> type(pick("a.b", "a-b", "a_b", "A..B", "-lead", "_lead", "trail.") + n, Fate.TOPIC, null);
                default -> type("Type" + n + "-" + Integer.toString(random.nextInt(1 << 20), 36), Fate.TOPIC, null);
            }
        }
    }

    private void type(String name, Fate fate, String reason) {
        // any two legal names that differ only in '.' and '_' collide: the later one's fate is Kafka's to decide
        if (fate != Fate.DEAD_LETTER) {
            String folded = name.replace('.', '_');
            for (String other : typeFates.keySet()) {
                if (!other.equals(name) && other.replace('.', '_').equals(folded) && typeFates.get(other) != Fate.DEAD_LETTER) {
                    typeFates.put(other, Fate.EITHER);
                    fate = Fate.EITHER;
                }
            }
        }
        typeFates.putIfAbsent(name, fate);
        if (reason != null) {
            typeReasons.put(name, reason);
        }
    }

    private Event event(String type) {
        Fate fate = typeFates.get(type);
        String reason = typeReasons.get(type);
        String aggregateId = aggregateId(type);
        String eventType = pick("OrderPlaced", "Änderung", "ctl\u0001\u0007\u001b[31m", "tab\tnew\nline", "e".repeat(300));
        if (random.nextInt(40) == 0) {
            eventType = "";
        }
        // the reason the router gives first, in its order of checks
        String missing = aggregateId.isEmpty() ? "aggregate_id is null or empty"
                : type.isEmpty() ? "aggregate_type is null or empty"
                : eventType.isEmpty() ? "event_type is null or empty" : null;
        if (missing != null) {
            fate = Fate.DEAD_LETTER;
            reason = missing;
        }
        String payload = payload();
        int size = payload.length() + aggregateId.length();
        if (fate != Fate.DEAD_LETTER && size > PRODUCER_LIMIT + 10_000) {
            fate = Fate.DEAD_LETTER;
            reason = "max.request.size"; // the producer refuses it first (its limit is below the broker's), whatever else is wrong
        }
        else if (fate == Fate.TOPIC && size > PRODUCER_LIMIT - 20_000) {
            fate = Fate.EITHER; // near the limit: headers and record overhead decide
        }
        String traceId = random.nextInt(4) == 0 ? pick("trace-" + random.nextInt(), "ü\u0002\u007f", "t".repeat(10_000), "") : null;
        String topic = type.isEmpty() || !LEGAL.matcher(topicPrefix + "." + type).matches() ? null : topicPrefix + "." + type;
        int writer = Math.floorMod((type + "\u0000" + aggregateId).hashCode(), writers);
        return new Event(UUID.randomUUID(), type, aggregateId, eventType, payload, traceId, random.nextBoolean(), fate, reason,
                topic, writer);
    }

    private String aggregateId(String type) {
        return switch (random.nextInt(30)) {
            case 0 -> "";
            case 1 -> big++ < MAX_BIG ? "big-" + "k".repeat(100_000) : "a-big";
            case 2 -> "客户-ß-🚀-" + random.nextInt(3);
            case 3 -> "ctl\u0001\u001f" + random.nextInt(3);
            default -> "a-" + random.nextInt(6);
        };
    }

    private String payload() {
        try {
            return switch (random.nextInt(60)) {
                case 0 -> "null";
                case 1 -> pick("0", "-1.5e300", "true", "\"just a string\"", "\"\\u0001ctl\"");
                case 2 -> "[]";
                case 3 -> "{}";
                case 4 -> JSON.writeValueAsString(nested(200 + random.nextInt(100)));
                case 5 -> big++ < MAX_BIG ? sized(pick(500_000, PRODUCER_LIMIT - 2_000, PRODUCER_LIMIT + 50_000, 1_500_000)) : "{}";
                default -> JSON.writeValueAsString(randomJson(3));
            };
        }
        catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode nested(int depth) {
        JsonNode node = NODES.numberNode(depth);
        for (int i = 0; i < depth; i++) {
            node = i % 2 == 0 ? NODES.arrayNode().add(node) : NODES.objectNode().set("k", node);
        }
        return node;
    }

    private JsonNode randomJson(int depth) {
        int kind = depth == 0 ? random.nextInt(4) : random.nextInt(6);
        return switch (kind) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.numberNode(random.nextLong());
            case 2 -> NODES.textNode(pick("plain", "ünï€ødé", "ctl\u0001\u001f", "quote\"back\\slash", "</script>", "😀"));
            case 3 -> NODES.booleanNode(random.nextBoolean());
            case 4 -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(randomJson(depth - 1));
                }
                yield array;
            }
            default -> {
                ObjectNode object = NODES.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    object.set(pick("a", "ключ", "", "k\u0001", "total") + i, randomJson(depth - 1));
                }
                yield object;
            }
        };
    }

    private static String sized(int chars) {
        return "{\"pad\": \"" + "x".repeat(Math.max(0, chars - 12)) + "\"}";
    }

    @SafeVarargs
    private <T> T pick(T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    /** Commits every event: each writer its own events in order, in transactions of 1 to 20, all writers at once. */
    public void write(DataSource dataSource) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                List<Event> mine = events.stream().filter(e -> e.writer() == writer).toList();
                Random batches = new Random(random.nextLong());
                done.add(pool.submit(() -> {
                    writeAll(dataSource, mine, batches);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        finally {
            pool.shutdownNow();
        }
    }

    private static void writeAll(DataSource dataSource, List<Event> events, Random batches) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement row = c.prepareStatement("INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id,"
                     + " event_type, payload, trace_id) VALUES (?, ?, ?, ?, ?::jsonb, ?)");
             PreparedStatement message = c.prepareStatement("SELECT outbox.emit(?, ?, ?, ?, ?::jsonb, ?)")) {
            c.setAutoCommit(false);
            int inTransaction = 0;
            int size = 1 + batches.nextInt(20);
            for (Event e : events) {
                PreparedStatement st = e.message() ? message : row;
                st.setObject(1, e.eventId());
                st.setString(2, e.aggregateType());
                st.setString(3, e.aggregateId());
                st.setString(4, e.eventType());
                st.setString(5, e.payload());
                st.setString(6, e.traceId());
                st.execute();
                if (++inTransaction == size) {
                    c.commit();
                    inTransaction = 0;
                    size = 1 + batches.nextInt(20);
                }
            }
            c.commit();
        }
    }

    /** Per aggregate (topic and key), its events' ids in commit order. */
    public Map<String, List<String>> expectedOrder() {
        Map<String, List<String>> order = new LinkedHashMap<>();
        for (Event e : events) {
            if (e.topic() != null) {
                order.computeIfAbsent(e.topic() + "\u0000" + e.aggregateId(), k -> new ArrayList<>()).add(e.eventId().toString());
            }
        }
        return Collections.unmodifiableMap(order);
    }

    /** A line for the test's output: how many events of each kind. */
    public String summary() {
        long messages = events.stream().filter(Event::message).count();
        Map<Fate, Long> fates = new LinkedHashMap<>();
        events.forEach(e -> fates.merge(e.fate(), 1L, Long::sum));
        long big = events.stream().filter(e -> e.payload().length() + e.aggregateId().length() > 400_000).count();
        return events.size() + " events (" + messages + " as messages, " + (events.size() - messages) + " as rows) over "
                + typeFates.size() + " aggregate types; expected " + fates + "; " + big + " of 400 kB or more";
    }
}
