package io.outboxrelay.consumers.faults;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.CRC32;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

import io.outboxrelay.sql.OutboxHeaders;


/**
 * The records of {@link HostileEventsIntegrationTests}, from a seed: a relayed event spoiled along
 * three independent axes (its headers, its key, its payload), a good event, or a copy of an earlier
 * event under the same id; each with what the consumer must make of it.
 *
 * <p>The expectation is stated by construction (the generator knows what it spoiled, so the test does
 * not re-implement the runtime's parsing) and combined in the order {@code RecordProcessor} documents:
 * event id, event type (ignored, unknown), payload size, JSON, the processed-event check, the handler
 * ({@link StoringHandler}), the database. Every kind appears at least once in the first records, so
 * any run covers all of them; the rest are drawn at random.
 */
final class HostileRecords {

    static final String HANDLED = "ThingHappened";
    /** Event types are any text: one of the handled ones is not ASCII. */
    static final String HANDLED_UNICODE = "Ding\u00e4nderung\u2713";
    static final String IGNORED = "ThingIgnored";
    static final String AGGREGATE_TYPE = "Thing";
    /** The consumer's maxPayloadBytes in the test: small, so that "around" and "beyond" it are cheap. */
    static final int MAX_PAYLOAD_BYTES = 64 * 1024;
    /** More than the dead-letter topic takes (broker default 1 MB): such dead letters must be trimmed to be sent. */
    static final int HUGE_BYTES = 1_200_000;

    static final String MISSING_ID = "missing eventId header";
    static final String NOT_UUID = "eventId header is not a UUID: '";
    static final String MISSING_TYPE = "missing eventType header";
    static final String UNKNOWN_TYPE = "unknown event type '";
    static final String TOO_LARGE = "payload of ";
    static final String NOT_JSON = "payload is not valid JSON";
    static final String NOT_OBJECT = "payload is not a JSON object";
    static final String HANDLER_REJECTED = "rejected by handler: payload field 'note'";
    static final String DATABASE_REJECTED = "database rejected the event (SQLState 22";

    enum Outcome { APPLIED, IGNORED, DUPLICATE, DEAD_LETTERED }

    /** Weights are per mille of their axis; the few-megabyte kinds are rare so that large runs stay cheap. */
    enum HeaderKind {
        CLEAN(300), ID_MISSING(25), ID_NULL_VALUE(25), ID_EMPTY(15), ID_NOT_UUID(30), ID_CONTROL_CHARS(25),
        ID_INVALID_UTF8(25), ID_HUGE(2), ID_UPPER_CASE(25), ID_REPEATED_LAST_VALID(20), ID_REPEATED_LAST_INVALID(20),
        ID_REPEATED_THEN_NULL(20), ID_TWO_VALID(20), TYPE_MISSING(20), TYPE_EMPTY(20), TYPE_NULL_VALUE(20),
        TYPE_CONTROL_CHARS(25), TYPE_UNICODE(25), TYPE_10KB(15), TYPE_INVALID_UTF8(20), TYPE_NEAR_MISS(25), TYPE_IGNORED(40),
        TYPE_REPEATED_LAST_HANDLED(20), TYPE_REPEATED_LAST_UNKNOWN(20), NULL_HEADER_VALUES(25), JUNK_HEADERS(30),
        AGGREGATE_TYPE_NUL(20), HUGE_HEADER(2);

        final int weight;

        HeaderKind(int weight) {
            this.weight = weight;
        }
    }

    enum KeyKind {
        UUID_TEXT(600), NULL(80), EMPTY(40), UNICODE(70), RANDOM_BYTES(70), NUL(50), LARGE(30), HUGE(2);

        final int weight;

        KeyKind(int weight) {
            this.weight = weight;
        }
    }

    enum PayloadKind {
        OBJECT(300), EMPTY_OBJECT(30), ESCAPES(50), BOM_OBJECT(15), NOTE_TEXT(20), NOTE_NOT_TEXT(30), NUL_IN_STRING(30),
        NULL_VALUE(40), EMPTY_BYTES(20), JSON_NULL(20), SCALAR(30), ARRAY(30), DEEP_AT_LIMIT(15), DEEP_OVER_LIMIT(15),
        DEEP_2000(20), INVALID_JSON(60), INVALID_UTF8(40), AROUND_MAX(40), BEYOND_MAX(15), HUGE_VALUE(2);

        final int weight;

        PayloadKind(int weight) {
            this.weight = weight;
        }
    }

    /** Another record under the id of an earlier one in the same partition: the consumer must apply the id once. */
    enum CopyKind { EXACT, SAME_ID_NEW_PAYLOAD, SAME_ID_UPPER_CASE, SAME_ID_IGNORED_TYPE }

    /** Length and CRC of bytes (null for null): to compare a dead letter with its original without keeping it. */
    record Digest(int length, long crc) {
        static Digest of(byte[] bytes) {
            if (bytes == null) {
                return null;
            }
            CRC32 crc = new CRC32();
            crc.update(bytes);
            return new Digest(bytes.length, crc.getValue());
        }
    }

    record HeaderDigest(String name, Digest value) {
        static HeaderDigest of(Header h) {
            return new HeaderDigest(h.key(), Digest.of(h.value()));
        }
    }

    /** What must become of one record; {@code offset} is set once Kafka acknowledged it. */
    static final class Expected {
        final int seq;
        final String kind;
        final boolean good;
        final int partition;
        final Outcome outcome;
        final UUID eventId;
        final String reason;
        final Digest key;
        final Digest value;
        final List<HeaderDigest> headers;
        long offset = -1;

        Expected(int seq, String kind, boolean good, int partition, Outcome outcome, UUID eventId, String reason,
                 ProducerRecord<byte[], byte[]> record) {
            this.seq = seq;
            this.kind = kind;
            this.good = good;
            this.partition = partition;
            this.outcome = outcome;
            this.eventId = eventId;
            this.reason = reason;
            this.key = Digest.of(record.key());
            this.value = Digest.of(record.value());
            this.headers = Arrays.stream(record.headers().toArray()).map(HeaderDigest::of).toList();
        }

        @Override
        public String toString() {
            return "#" + seq + " [" + kind + "] at partition " + partition + " offset " + offset + ", expected " + outcome
                    + (reason != null ? " (" + reason + "...)" : "") + (eventId != null ? " id " + eventId : "");
        }
    }

    record Generated(ProducerRecord<byte[], byte[]> record, Expected expected) {
    }

    private enum Id { VALID, MISSING, NOT_UUID }

    private enum Type { HANDLED, IGNORED, MISSING, UNKNOWN }

    private enum Parse { NULL_VALUE, INVALID, NOT_OBJECT, OBJECT }

    private record Headers(List<Header> list, Id id, UUID eventId, Type type, boolean aggregateTypeHasNul) {
    }

    private record Payload(byte[] bytes, Parse parse, boolean hasNul, boolean noteRejected) {
    }

    /** An earlier small record with a valid id, kept to send copies of. */
    private record Earlier(Headers headers, byte[] key, Payload payload) {
    }

    private static final int GOOD_PERCENT = 30;
    private static final int COPY_PERCENT = 8;
    private static final int EARLIER_KEPT = 50;
    private static final int EARLIER_MAX_BYTES = 16 * 1024;
    private static final String[] CONTROL = {"\n", "\r\n", "\t", "\u0000", "\u0007", "\u001b[31m", "\u007f", "\u0085", "\u2028",
        "\u200b", "\u202e"};
    private static final byte[][] INVALID_UTF8 = {{(byte) 0xff}, {(byte) 0xfe}, {(byte) 0x80}, {(byte) 0xc3, 0x28},
        {(byte) 0xe2, 0x28, (byte) 0xa1}, {(byte) 0xe2, (byte) 0x82}};
    private static final String[] UNICODE = {"\u00e9", "\u6f22\u5b57", "\ud83d\ude00", "\u05e9\u05dc\u05d5\u05dd", "e\u0301",
        "\u200d", "\ufeff", "\u0422", "\u00a0", "\ufffd", "\uff34\uff48\uff49\uff4e\uff47"};
    private static final String[] NUMBERS = {"0", "-0", "7", "-42", "2147483648", "-9223372036854775809",
        "123456789012345678901234567890", "3.25", "-0.5", "1e5", "1E-7", "6.02e+23", "0.1", "12.50"};
    private static final String[] INVALID_JSON = {"{\"a\":1} {\"b\":2}", "{}x", "{}}", "{'a':1}", "{\"a\":NaN}",
        "{\"a\":Infinity}", "{\"a\":1 /* c */}", "// c\n{}", "{a:1}", "{\"a\":1,}", "{\"a\":01}", "{\"a\":\"\\x41\"}",
        "{\"a\":tru}", "{", "}", "]", ":", "\"unterminated", "{\"a\":1e}", "{\"a\":\"x\u0001y\"}", "{\"a\" 1}",
        "{\"a\":[1,2}", "{\"a\":1}\u0000", "{\"\\ud800\":}"};

    private final Random random;
    private final String topic;
    private final int partitions;
    private final List<Object[]> coverage = new ArrayList<>();
    private final Set<UUID> processed = new HashSet<>();
    private final Map<Integer, List<Earlier>> earlier = new HashMap<>();
    private final Map<String, Integer> kinds = new TreeMap<>();
    private int seq;

    HostileRecords(long seed, String topic, int partitions) {
        this.random = new Random(seed);
        this.topic = topic;
        this.partitions = partitions;
        for (HeaderKind h : HeaderKind.values()) {
            coverage.add(new Object[] {h, KeyKind.UUID_TEXT, PayloadKind.OBJECT});
        }
        for (KeyKind k : KeyKind.values()) {
            coverage.add(new Object[] {HeaderKind.CLEAN, k, PayloadKind.OBJECT});
        }
        for (PayloadKind p : PayloadKind.values()) {
            coverage.add(new Object[] {HeaderKind.CLEAN, KeyKind.UUID_TEXT, p});
        }
        // the heavy kinds once more where they must be dead-lettered, so that the dead letter is too large to send whole
        coverage.add(new Object[] {HeaderKind.HUGE_HEADER, KeyKind.UUID_TEXT, PayloadKind.INVALID_JSON});
        coverage.add(new Object[] {HeaderKind.ID_NOT_UUID, KeyKind.HUGE, PayloadKind.NULL_VALUE});
        coverage.add(new Object[] {HeaderKind.TYPE_10KB, KeyKind.HUGE, PayloadKind.HUGE_VALUE});
        coverage.add(new Object[] {HeaderKind.HUGE_HEADER, KeyKind.HUGE, PayloadKind.HUGE_VALUE});
        for (CopyKind c : CopyKind.values()) {
            coverage.add(new Object[] {c});
        }
    }

    /** Kind counts so far, by axis ({@code header=ID_NOT_UUID}, {@code copy=EXACT}, {@code good}). */
    Map<String, Integer> kinds() {
        return kinds;
    }

    Generated next() {
        int n = seq++;
        if (n < coverage.size()) {
            Object[] plan = coverage.get(n);
            if (plan[0] instanceof CopyKind copy) {
                Generated g = copy(n, copy);
                if (g != null) {
                    return g;
                }
            } else {
                return build(n, (HeaderKind) plan[0], (KeyKind) plan[1], (PayloadKind) plan[2], false);
            }
        }
        if (random.nextInt(100) < COPY_PERCENT) {
            Generated g = copy(n, CopyKind.values()[random.nextInt(CopyKind.values().length)]);
            if (g != null) {
                return g;
            }
        }
        if (random.nextInt(100) < GOOD_PERCENT) {
            return build(n, HeaderKind.CLEAN, KeyKind.UUID_TEXT, PayloadKind.OBJECT, true);
        }
        return build(n, pick(HeaderKind.values(), k -> k.weight), pick(KeyKind.values(), k -> k.weight),
                pick(PayloadKind.values(), k -> k.weight), false);
    }

    private Generated build(int n, HeaderKind hk, KeyKind kk, PayloadKind pk, boolean good) {
        int partition = random.nextInt(partitions);
        Headers h = headers(hk, UUID.randomUUID());
        byte[] key = key(kk);
        Payload p = payload(pk);
        String kind = good ? "good" : "header=" + hk + " key=" + kk + " payload=" + pk;
        count(good ? List.of("good") : List.of("header=" + hk, "key=" + kk, "payload=" + pk));
        if (h.id == Id.VALID && (h.type == Type.HANDLED || h.type == Type.IGNORED) && size(h, key, p) < EARLIER_MAX_BYTES) {
            List<Earlier> list = earlier.computeIfAbsent(partition, x -> new ArrayList<>());
            list.add(new Earlier(h, key, p));
            if (list.size() > EARLIER_KEPT) {
                list.remove(0);
            }
        }
        return generated(n, kind, good, partition, h, key, p);
    }

    /** Null when no earlier record can be copied yet. */
    private Generated copy(int n, CopyKind kind) {
        List<Integer> candidates = earlier.keySet().stream().sorted().toList();
        if (candidates.isEmpty()) {
            return null;
        }
        int partition = candidates.get(random.nextInt(candidates.size()));
        List<Earlier> list = earlier.get(partition);
        Earlier e = list.get(random.nextInt(list.size()));
        UUID id = e.headers.eventId;
        count(List.of("copy=" + kind));
        String label = "copy=" + kind + " of id " + id;
        return switch (kind) {
            case EXACT -> generated(n, label, false, partition, e.headers, e.key, e.payload);
            case SAME_ID_NEW_PAYLOAD -> generated(n, label, false, partition, headers(HeaderKind.CLEAN, id), key(KeyKind.UUID_TEXT),
                    payload(PayloadKind.OBJECT));
            case SAME_ID_UPPER_CASE -> generated(n, label, false, partition, headers(HeaderKind.ID_UPPER_CASE, id),
                    key(KeyKind.UUID_TEXT), payload(PayloadKind.OBJECT));
            case SAME_ID_IGNORED_TYPE -> generated(n, label, false, partition, headers(HeaderKind.TYPE_IGNORED, id),
                    key(KeyKind.UUID_TEXT), payload(PayloadKind.OBJECT));
        };
    }

    private Generated generated(int n, String kind, boolean good, int partition, Headers h, byte[] key, Payload p) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, partition, null, key, p.bytes,
                new RecordHeaders(h.list.toArray(new Header[0])));
        Outcome outcome;
        String reason = null;
        if (h.id == Id.MISSING) {
            reason = MISSING_ID;
        } else if (h.id == Id.NOT_UUID) {
            reason = NOT_UUID;
        } else if (h.type == Type.MISSING) {
            reason = MISSING_TYPE;
        } else if (h.type == Type.UNKNOWN) {
            reason = UNKNOWN_TYPE;
        } else if (h.type == Type.HANDLED && p.bytes != null && p.bytes.length > MAX_PAYLOAD_BYTES) {
            reason = TOO_LARGE;
        } else if (h.type == Type.HANDLED && p.parse == Parse.INVALID) {
            reason = NOT_JSON;
        } else if (h.type == Type.HANDLED && p.parse != Parse.OBJECT) {
            reason = NOT_OBJECT;
        } else if (h.type == Type.HANDLED && !processed.contains(h.eventId) && p.noteRejected) {
            reason = HANDLER_REJECTED;
        } else if (h.type == Type.HANDLED && !processed.contains(h.eventId)
                && (h.aggregateTypeHasNul || p.hasNul || (key != null && indexOf(key, (byte) 0) >= 0))) {
            reason = DATABASE_REJECTED;
        }
        if (reason != null) {
            outcome = Outcome.DEAD_LETTERED;
        } else if (!processed.add(h.eventId)) {
            outcome = Outcome.DUPLICATE;
        } else {
            outcome = h.type == Type.IGNORED ? Outcome.IGNORED : Outcome.APPLIED;
        }
        UUID id = h.id == Id.VALID ? h.eventId : null;
        return new Generated(record, new Expected(n, kind, good, partition, outcome, id, reason, record));
    }

    // ---- headers

    private Headers headers(HeaderKind kind, UUID id) {
        String type = random.nextBoolean() ? HANDLED : HANDLED_UNICODE;
        List<Header> h = new ArrayList<>();
        h.add(header(OutboxHeaders.EVENT_ID, id.toString()));
        h.add(header(OutboxHeaders.EVENT_TYPE, type));
        h.add(header(OutboxHeaders.AGGREGATE_TYPE, AGGREGATE_TYPE));
        h.add(header(OutboxHeaders.OCCURRED_AT, "2026-12-04T10:15:30.123+00:00"));
        switch (kind) {
            case CLEAN:
                break;
            case ID_MISSING:
                h.remove(0);
                return new Headers(h, Id.MISSING, null, Type.HANDLED, false);
            case ID_NULL_VALUE:
                h.set(0, new RecordHeader(OutboxHeaders.EVENT_ID, null));
                return new Headers(h, Id.MISSING, null, Type.HANDLED, false);
            case ID_EMPTY:
                h.set(0, header(OutboxHeaders.EVENT_ID, ""));
                return new Headers(h, Id.NOT_UUID, null, Type.HANDLED, false);
            case ID_NOT_UUID:
                h.set(0, header(OutboxHeaders.EVENT_ID, notUuid(id)));
                return new Headers(h, Id.NOT_UUID, null, Type.HANDLED, false);
            case ID_CONTROL_CHARS:
                h.set(0, header(OutboxHeaders.EVENT_ID, insert(id.toString(), CONTROL[random.nextInt(CONTROL.length)])));
                return new Headers(h, Id.NOT_UUID, null, Type.HANDLED, false);
            case ID_INVALID_UTF8:
                h.set(0, new RecordHeader(OutboxHeaders.EVENT_ID, invalidUtf8(utf8(id.toString()))));
                return new Headers(h, Id.NOT_UUID, null, Type.HANDLED, false);
            case ID_HUGE:
                // the reason quotes the id: a dead letter quoting all of it could never fit the dead-letter topic
                h.set(0, header(OutboxHeaders.EVENT_ID, id + "-".repeat(HUGE_BYTES)));
                return new Headers(h, Id.NOT_UUID, null, Type.HANDLED, false);
            case ID_UPPER_CASE:
                h.set(0, header(OutboxHeaders.EVENT_ID, id.toString().toUpperCase(Locale.ROOT)));
                break;
            case ID_REPEATED_LAST_VALID:
                h.add(0, header(OutboxHeaders.EVENT_ID, notUuid(id)));
                break;
            case ID_REPEATED_LAST_INVALID:
                h.add(header(OutboxHeaders.EVENT_ID, notUuid(id)));
                return new Headers(h, Id.NOT_UUID, null, Type.HANDLED, false);
            case ID_REPEATED_THEN_NULL:
                h.add(new RecordHeader(OutboxHeaders.EVENT_ID, null));
                break;
            case ID_TWO_VALID:
                // the last eventId header is the event's id, as for every header that repeats (Event#headers)
                h.add(0, header(OutboxHeaders.EVENT_ID, UUID.randomUUID().toString()));
                break;
            case TYPE_MISSING:
                h.remove(1);
                return new Headers(h, Id.VALID, id, Type.MISSING, false);
            case TYPE_EMPTY:
                h.set(1, header(OutboxHeaders.EVENT_TYPE, ""));
                return new Headers(h, Id.VALID, id, Type.MISSING, false);
            case TYPE_NULL_VALUE:
                h.set(1, new RecordHeader(OutboxHeaders.EVENT_TYPE, null));
                return new Headers(h, Id.VALID, id, Type.MISSING, false);
            case TYPE_CONTROL_CHARS:
                h.set(1, header(OutboxHeaders.EVENT_TYPE, insert(type, CONTROL[random.nextInt(CONTROL.length)])));
                return new Headers(h, Id.VALID, id, Type.UNKNOWN, false);
            case TYPE_UNICODE:
                h.set(1, header(OutboxHeaders.EVENT_TYPE, unicode(1 + random.nextInt(12))));
                return new Headers(h, Id.VALID, id, Type.UNKNOWN, false);
            case TYPE_10KB:
                h.set(1, header(OutboxHeaders.EVENT_TYPE, type + "\u00e9".repeat(2500) + "x".repeat(5000)));
                return new Headers(h, Id.VALID, id, Type.UNKNOWN, false);
            case TYPE_INVALID_UTF8:
                h.set(1, new RecordHeader(OutboxHeaders.EVENT_TYPE, invalidUtf8(utf8(type))));
                return new Headers(h, Id.VALID, id, Type.UNKNOWN, false);
            case TYPE_NEAR_MISS:
                String[] misses = {HANDLED.toLowerCase(Locale.ROOT), " " + HANDLED, HANDLED + " ", HANDLED.replace('T', '\u0422'),
                    "Thing\u00a0Happened", HANDLED + "\ufeff", IGNORED.toUpperCase(Locale.ROOT), HANDLED_UNICODE.replace("\u00e4", "a\u0308")};
                h.set(1, header(OutboxHeaders.EVENT_TYPE, misses[random.nextInt(misses.length)]));
                return new Headers(h, Id.VALID, id, Type.UNKNOWN, false);
            case TYPE_IGNORED:
                h.set(1, header(OutboxHeaders.EVENT_TYPE, IGNORED));
                return new Headers(h, Id.VALID, id, Type.IGNORED, false);
            case TYPE_REPEATED_LAST_HANDLED:
                h.add(1, header(OutboxHeaders.EVENT_TYPE, "ThingVanished"));
                break;
            case TYPE_REPEATED_LAST_UNKNOWN:
                h.add(header(OutboxHeaders.EVENT_TYPE, "ThingVanished"));
                return new Headers(h, Id.VALID, id, Type.UNKNOWN, false);
            case NULL_HEADER_VALUES:
                h.set(2, new RecordHeader(OutboxHeaders.AGGREGATE_TYPE, null));
                h.set(3, new RecordHeader(OutboxHeaders.OCCURRED_AT, null));
                h.add(new RecordHeader("traceparent", null));
                break;
            case JUNK_HEADERS:
                h.add(new RecordHeader("", utf8("empty name")));
                h.add(header(unicode(3), unicode(5)));
                h.add(new RecordHeader("bytes", invalidUtf8(randomBytes(1 + random.nextInt(40)))));
                h.add(header("eventid", UUID.randomUUID().toString()));
                // a record may claim to be a dead letter already: the runtime's own dlq headers come last and win
                h.add(header(OutboxHeaders.DLQ_REASON, "forged"));
                h.add(header(OutboxHeaders.DLQ_ORIGINAL_OFFSET, "-1"));
                h.add(header("x".repeat(1000), "y".repeat(random.nextInt(10_000))));
                h.add(header("again", "1"));
                h.add(header("again", "2"));
                break;
            case AGGREGATE_TYPE_NUL:
                h.set(2, header(OutboxHeaders.AGGREGATE_TYPE, "Thi\u0000ng"));
                return new Headers(h, Id.VALID, id, Type.HANDLED, true);
            case HUGE_HEADER:
                h.add(header("junk", "j".repeat(HUGE_BYTES)));
                break;
            default:
                throw new IllegalStateException(kind.toString());
        }
        return new Headers(h, Id.VALID, id, Type.HANDLED, false);
    }

    private String notUuid(UUID id) {
        String s = id.toString();
        String[] choices = {"not-a-uuid", "1-2-3-4-5", s.replace("-", ""), "{" + s + "}", s + " ", " " + s, s.substring(1),
            s + "0", s.substring(0, 35) + "g", "urn:uuid:" + s, "0x" + s, "\u0661" + s.substring(1), unicode(8),
            "x".repeat(10_000), s.replace('-', '\u2010')};
        return choices[random.nextInt(choices.length)];
    }

    // ---- keys

    private byte[] key(KeyKind kind) {
        return switch (kind) {
            case UUID_TEXT -> utf8(UUID.randomUUID().toString());
            case NULL -> null;
            case EMPTY -> new byte[0];
            case UNICODE -> utf8(unicode(1 + random.nextInt(20)));
            case RANDOM_BYTES -> randomBytes(1 + random.nextInt(64));
            case NUL -> utf8("order-\u0000-" + random.nextInt(1000));
            case LARGE -> utf8("k".repeat(10_000 + random.nextInt(90_000)));
            case HUGE -> utf8("K".repeat(HUGE_BYTES));
        };
    }

    // ---- payloads

    private Payload payload(PayloadKind kind) {
        switch (kind) {
            case OBJECT:
                return object(topLevelObject(), false);
            case EMPTY_OBJECT:
                return object(random.nextBoolean() ? "{}" : " {  } \n", false);
            case ESCAPES: {
                StringBuilder b = new StringBuilder("{");
                for (int i = 0; i < 1 + random.nextInt(6); i++) {
                    b.append(i > 0 ? "," : "").append("\"k").append(i % 3).append("\":"); // repeated keys: the last one wins
                    escapedString(b);
                }
                return object(b.append('}').toString(), false);
            }
            case BOM_OBJECT:
                return object("\ufeff" + topLevelObject(), false);
            case NOTE_TEXT:
                return object("{\"note\":" + (random.nextBoolean() ? "null" : "\"fine \u00e9\"") + ",\"k\":1}", false);
            case NOTE_NOT_TEXT: {
                String[] values = {"5", "true", "{}", "[\"a\"]", "1.5"};
                return new Payload(utf8("{\"k\":1,\"note\":" + values[random.nextInt(values.length)] + "}"), Parse.OBJECT, false, true);
            }
            case NUL_IN_STRING: {
                String nul = random.nextBoolean() ? "{\"k\":\"a\\u0000b\"}" : "{\"k\":{\"x\\u0000\":1}}";
                return new Payload(utf8(nul), Parse.OBJECT, true, false);
            }
            case NULL_VALUE:
                return new Payload(null, Parse.NULL_VALUE, false, false);
            case EMPTY_BYTES:
                return new Payload(random.nextBoolean() ? new byte[0] : utf8(" \n\t "), Parse.NOT_OBJECT, false, false);
            case JSON_NULL:
                return new Payload(utf8("null"), Parse.NOT_OBJECT, false, false);
            case SCALAR: {
                String[] scalars = {"true", "false", "0", "-1.5e3", "\"a string\"", "\"\"", NUMBERS[random.nextInt(NUMBERS.length)]};
                return new Payload(utf8(scalars[random.nextInt(scalars.length)]), Parse.NOT_OBJECT, false, false);
            }
            case ARRAY: {
                StringBuilder b = new StringBuilder();
                if (random.nextBoolean()) {
                    b.append("[]");
                } else {
                    b.append('[');
                    jsonValue(b, 3);
                    b.append(",{}]");
                }
                return new Payload(utf8(b.toString()), Parse.NOT_OBJECT, false, false);
            }
            case DEEP_AT_LIMIT:
                // Jackson's default nesting limit is 1000: the object and 999 arrays are just within it
                return object("{\"deep\":" + "[".repeat(999) + "]".repeat(999) + "}", false);
            case DEEP_OVER_LIMIT:
                return new Payload(utf8("{\"deep\":" + "[".repeat(1000) + "]".repeat(1000) + "}"), Parse.INVALID, false, false);
            case DEEP_2000: {
                String deep = random.nextBoolean() ? "[".repeat(2000) + "]".repeat(2000)
                        : "{\"a\":".repeat(2000) + "1" + "}".repeat(2000);
                return new Payload(utf8(deep), Parse.INVALID, false, false);
            }
            case INVALID_JSON: {
                if (random.nextInt(3) == 0) {
                    String whole = topLevelObject();
                    byte[] bytes = utf8(whole);
                    // any non-empty proper prefix of an object is unfinished
                    return new Payload(Arrays.copyOf(bytes, 1 + random.nextInt(bytes.length - 1)), Parse.INVALID, false, false);
                }
                return new Payload(utf8(INVALID_JSON[random.nextInt(INVALID_JSON.length)]), Parse.INVALID, false, false);
            }
            case INVALID_UTF8: {
                byte[] bad = INVALID_UTF8[random.nextInt(INVALID_UTF8.length)];
                byte[] before = utf8("{\"k\":\"ab");
                byte[] after = utf8("cd\"}");
                byte[] out = new byte[before.length + bad.length + after.length];
                System.arraycopy(before, 0, out, 0, before.length);
                System.arraycopy(bad, 0, out, before.length, bad.length);
                System.arraycopy(after, 0, out, before.length + bad.length, after.length);
                return new Payload(out, Parse.INVALID, false, false);
            }
            case AROUND_MAX:
                return padded(MAX_PAYLOAD_BYTES - 2 + random.nextInt(5));
            case BEYOND_MAX:
                return padded(2 * MAX_PAYLOAD_BYTES + random.nextInt(2 * MAX_PAYLOAD_BYTES));
            case HUGE_VALUE:
                return padded(HUGE_BYTES);
            default:
                throw new IllegalStateException(kind.toString());
        }
    }

    private static Payload object(String json, boolean hasNul) {
        return new Payload(utf8(json), Parse.OBJECT, hasNul, false);
    }

    /** {"pad":"..."} of exactly {@code bytes} bytes, part of the padding two-byte characters (the limit is in bytes). */
    private Payload padded(int bytes) {
        int pad = bytes - "{\"pad\":\"\"}".length();
        int twoByte = random.nextInt(pad / 2 + 1);
        String json = "{\"pad\":\"" + "\u00e9".repeat(twoByte) + "x".repeat(pad - 2 * twoByte) + "\"}";
        return object(json, false);
    }

    /** A random object without NUL characters and without a "note" member (keys start with k). */
    private String topLevelObject() {
        StringBuilder b = new StringBuilder("{");
        int members = random.nextInt(6);
        for (int i = 0; i < members; i++) {
            ws(b);
            b.append(i > 0 ? "," : "");
            ws(b);
            b.append("\"k");
            stringBody(b);
            b.append("\":");
            ws(b);
            jsonValue(b, 3);
        }
        return b.append('}').toString();
    }

    private void jsonValue(StringBuilder b, int depth) {
        switch (random.nextInt(depth <= 0 ? 5 : 7)) {
            case 0 -> b.append("null");
            case 1 -> b.append(random.nextBoolean());
            case 2 -> b.append(NUMBERS[random.nextInt(NUMBERS.length)]);
            case 3, 4 -> {
                b.append('"');
                stringBody(b);
                b.append('"');
            }
            case 5 -> {
                b.append('[');
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    b.append(i > 0 ? "," : "");
                    jsonValue(b, depth - 1);
                }
                b.append(']');
            }
            default -> {
                b.append('{');
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    b.append(i > 0 ? "," : "").append('"');
                    stringBody(b);
                    b.append("\":");
                    jsonValue(b, depth - 1);
                }
                b.append('}');
            }
        }
    }

    /** Text inside a JSON string: plain, escaped, non-ASCII, never a NUL. */
    private void stringBody(StringBuilder b) {
        int pieces = random.nextInt(8);
        for (int i = 0; i < pieces; i++) {
            switch (random.nextInt(6)) {
                case 0, 1 -> b.append((char) ('a' + random.nextInt(26)));
                case 2 -> b.append(new String[] {"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"}[random.nextInt(8)]);
                case 3 -> b.append(String.format("\\u%04x", 1 + random.nextInt(0xd7ff)));
                case 4 -> b.append(UNICODE[random.nextInt(UNICODE.length)]);
                default -> b.append(' ');
            }
        }
    }

    /** A JSON string of escapes and characters that survive JSON but not every encoder: lone surrogates, U+2028, BOM. */
    private void escapedString(StringBuilder b) {
        String[] pieces = {"\\ud800", "\\udfff", "\\ud83d\\ude00", "\\ud83dx", "\\u2028", "\\ufeff", "\\u001f", "\\u007f",
            "\\\\u0000", "\u202e", "\ud83d\ude00", "\\\"", "\\/"};
        b.append('"');
        for (int i = 0; i < 1 + random.nextInt(6); i++) {
            b.append(pieces[random.nextInt(pieces.length)]);
        }
        b.append('"');
    }

    private void ws(StringBuilder b) {
        if (random.nextInt(4) == 0) {
            b.append(new String[] {" ", "\n", "\t", "\r\n  "}[random.nextInt(4)]);
        }
    }

    // ---- helpers

    private String unicode(int pieces) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            b.append(UNICODE[random.nextInt(UNICODE.length)]);
        }
        return b.toString();
    }

    private String insert(String s, String piece) {
        int at = random.nextInt(s.length() + 1);
        return s.substring(0, at) + piece + s.substring(at);
    }

    /** The bytes with a sequence that is not UTF-8 put in at a random place. */
    private byte[] invalidUtf8(byte[] bytes) {
        byte[] bad = INVALID_UTF8[random.nextInt(INVALID_UTF8.length)];
        int at = random.nextInt(bytes.length + 1);
        byte[] out = new byte[bytes.length + bad.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(bad, 0, out, at, bad.length);
        System.arraycopy(bytes, at, out, at + bad.length, bytes.length - at);
        return out;
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private <T> T pick(T[] values, java.util.function.ToIntFunction<T> weight) {
        int total = Arrays.stream(values).mapToInt(weight).sum();
        int r = random.nextInt(total);
        for (T v : values) {
            r -= weight.applyAsInt(v);
            if (r < 0) {
                return v;
            }
        }
        throw new IllegalStateException();
    }

    private void count(List<String> labels) {
        labels.forEach(l -> kinds.merge(l, 1, Integer::sum));
    }

    private static int size(Headers h, byte[] key, Payload p) {
        int n = (key == null ? 0 : key.length) + (p.bytes == null ? 0 : p.bytes.length);
        for (Header x : h.list) {
            n += x.key().length() + (x.value() == null ? 0 : x.value().length);
        }
        return n;
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, utf8(value));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
