package io.outboxrelay.relay.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

import io.outboxrelay.sql.OutboxSchema;
import io.outboxrelay.sql.TopicNames;

/**
 * The relay's whole configuration: built from a properties file plus environment overrides,
 * validated before anything connects, then read-only. {@link #describe()} prints it with secrets
 * masked.
 *
 * <p>Keys with the prefix {@code debezium.} go to the Debezium connector unchanged (without the
 * prefix); keys with {@code kafka.producer.} go to the Kafka producer unchanged.
 */
public final class RelayConfig {

    public static final String DEBEZIUM_PREFIX = "debezium.";
    public static final String PRODUCER_PREFIX = "kafka.producer.";

    /**
     * Names that reach SQL or a replication command: Debezium writes slot.name unquoted into
     * CREATE_REPLICATION_SLOT and the publication into a quoted literal ({@code pubname = '%s'}), so
     * anything but a plain lower-case identifier is refused here, before anything connects.
     */
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final String LEGAL_NAME_TEXT = "lower-case letters, digits and _ (at most 63), starting with a letter or _";
    /** Debezium puts database.name into its JDBC URL unescaped: '/', '?', '&', '#' would add URL parameters. */
    private static final Pattern LEGAL_DATABASE = Pattern.compile("[^/?&#;=\\\\\\s\"']{1,63}");

    public static final Setting RELAY_NAME = Setting.optional("relay.name", "outbox-relay",
            "Name of this relay: Debezium's connector name and topic prefix, and the Kafka client id.")
            .validatedBy(v -> TopicNames.isLegal(v) && v.length() <= 200, "letters, digits, '.', '_' and '-' (at most 200)");
    public static final Setting DATABASE_HOST = Setting.optional("database.host", "localhost",
            "PostgreSQL host holding the outbox table; or a primary and its standbys, comma-separated, each with an"
                    + " optional :port (db1:5432,db2:5432): the relay connects to the writable one and, after a failover,"
                    + " follows the standby that was promoted (which needs a failover slot, PostgreSQL 17+).")
            .validatedBy(DatabaseHosts::isLegal,
                    "a host name, an IPv4 address or an IPv6 address in [], with an optional :port; several comma-separated");
    public static final Setting DATABASE_PORT = Setting.optional("database.port", "5432",
            "PostgreSQL port (for the hosts in database.host without their own).").positiveInt();
    public static final Setting DATABASE_NAME = Setting.required("database.name",
            "PostgreSQL database holding the outbox table.")
            .validatedBy(v -> LEGAL_DATABASE.matcher(v).matches(),
                    "a database name without '/', '?', '&', '#', ';', '=', '\\', quotes or spaces (at most 63)");
    public static final Setting DATABASE_USER = Setting.required("database.user",
            "Role the relay connects as; needs LOGIN REPLICATION, CONNECT on the database, USAGE on the outbox schema,"
                    + " INSERT and DELETE on outbox.heartbeat for heartbeats, and SELECT on the outbox table only when"
                    + " snapshot.mode reads it ('relay attach --create-role' makes such a role).");
    public static final Setting DATABASE_PASSWORD = Setting.optional("database.password", "",
            "Password of database.user (prefer the environment variable).").secret();
    public static final Setting SLOT_NAME = Setting.optional("slot.name", "outbox_relay",
            "Logical replication slot the relay reads from; created by attach, or on the first start.")
            .validatedBy(v -> LEGAL_NAME.matcher(v).matches(), LEGAL_NAME_TEXT);
    public static final Setting SLOT_FAILOVER = Setting.optional("slot.failover", "auto",
            "PostgreSQL 17+: make the replication slot a failover slot, which physical standbys with sync_replication_slots=on"
                    + " keep in step, so that a promoted standby has it (README 'PostgreSQL high availability'). auto: yes on 17+,"
                    + " nothing on 14-16 (a failover there ends in the gap refusal); true: refused below 17; false: never.")
            .oneOf("auto", "true", "false");
    public static final Setting PUBLICATION = Setting.optional("publication", "outbox_publication",
            "Publication covering the outbox table (created by outbox-sql; never created by the relay).")
            .validatedBy(v -> LEGAL_NAME.matcher(v).matches(), LEGAL_NAME_TEXT);
    public static final Setting OUTBOX_TABLE = Setting.optional("outbox.table", "outbox.event",
            "Schema-qualified outbox table.")
            .validatedBy(v -> v.split("\\.", -1).length == 2
                            && java.util.Arrays.stream(v.split("\\.", -1)).allMatch(part -> LEGAL_NAME.matcher(part).matches()),
                    "schema.table, each " + LEGAL_NAME_TEXT);
    public static final Setting OUTBOX_MESSAGES = Setting.optional("outbox.messages", "false",
            "true: also relay outbox events written as transactional logical decoding messages with prefix '"
                    + OutboxSchema.MESSAGE_PREFIX + "' (the function " + OutboxSchema.EMIT_FUNCTION + ", outbox-sql V6), with the"
                    + " same routing, headers and dead letters as rows of the outbox table. A restart may re-send up to one"
                    + " transaction's messages (consumers dedupe on eventId). false: such messages are ignored.")
            .oneOf("true", "false");
    public static final Setting KAFKA_BOOTSTRAP = Setting.required("kafka.bootstrap.servers",
            "Kafka bootstrap servers, host:port[,host:port].");
    public static final Setting TOPIC_PATTERN = Setting.optional("topic.pattern", "outbox.${aggregateType}",
            "Topic for an event; ${aggregateType} is replaced by the row's aggregate_type (a row whose type makes an"
                    + " illegal topic name goes to the dead-letter topic).")
            .validatedBy(v -> TopicNames.isLegal(TopicNames.forAggregateType(v, "x")), TopicNames.RULE + ", optionally with "
                    + TopicNames.AGGREGATE_TYPE);
    public static final Setting DEAD_LETTER_TOPIC = Setting.optional("dead.letter.topic", "outbox.dead-letter",
            "Topic for outbox rows that cannot be routed; the reason is in the 'dlqReason' header.")
            .validatedBy(TopicNames::isLegal, TopicNames.RULE);
    public static final Setting HEADER_COLUMNS = Setting.optional("header.columns",
            "trace_id:traceId,correlation_id:correlationId",
            "Extra outbox columns sent as Kafka headers when not null: column:header[,column:header].")
            .validatedBy(v -> v.matches("\\s*[A-Za-z_][A-Za-z0-9_]*:[^,:\\s]+\\s*(,\\s*[A-Za-z_][A-Za-z0-9_]*:[^,:\\s]+\\s*)*"),
                    "column:header pairs separated by commas");
    public static final Setting TOPIC_PARTITIONS = Setting.optional("topic.partitions", "-1",
            "Partitions of an event or dead-letter topic the relay creates; -1 takes the broker default.")
            .minusOneOrPositive();
    public static final Setting TOPIC_REPLICATION = Setting.optional("topic.replication.factor", "-1",
            "Replication factor of a topic the relay creates; -1 takes the broker default.")
            .minusOneOrPositive();
    public static final Setting TOPIC_RETENTION_MS = Setting.optional("topic.retention.ms", "-1",
            "retention.ms of a topic the relay creates; -1 keeps events forever, so new consumers can replay from the"
                    + " beginning. Existing topics are not changed.")
            .minusOneOrPositive();
    public static final Setting TOPIC_COMPACT_PATTERN = Setting.optional("topic.compact.pattern", "",
            "Java regular expression: an event topic the relay creates whose whole name matches gets"
                    + " cleanup.policy=compact (the latest event per aggregate id is kept). Empty: none. The dead-letter"
                    + " topic only if the expression names it literally (as one of its |-alternatives), never through a"
                    + " wildcard. Existing topics are not changed.")
            .validatedBy(RelayConfig::isRegex, "a Java regular expression");
    public static final Setting OFFSET_TOPIC = Setting.optional("offset.topic", "outbox-relay.offsets",
            "Compacted Kafka topic holding the relay's saved position (created if missing).")
            .validatedBy(TopicNames::isLegal, TopicNames.RULE);
    public static final Setting OFFSET_TOPIC_REPLICATION = Setting.optional("offset.topic.replication.factor", "-1",
            "Replication factor of the offset topic when the relay creates it; -1 takes the broker default.")
            .intAtLeast(-1);
    public static final Setting OFFSET_FLUSH_INTERVAL_MS = Setting.optional("offset.flush.interval.ms", "1000",
            "How often the acknowledged position is saved; after a crash at most this much is re-sent. Ignored with"
                    + " delivery.guarantee=exactly-once, which commits the position with every batch.")
            .intAtLeast(0);
    public static final Setting POLL_INTERVAL_MS = Setting.optional("poll.interval.ms", "10",
            "How long Debezium waits for more changes before handing over a batch (latency vs. batching).")
            .positiveInt();
    public static final Setting MAX_BATCH_SIZE = Setting.optional("max.batch.size", "2048",
            "Most events handed over, sent and acknowledged as one batch.").positiveInt();
    public static final Setting KAFKA_ACK_TIMEOUT_MS = Setting.optional("kafka.ack.timeout.ms", "30000",
            "Longest the oldest sent event may wait for Kafka's acknowledgement: then the relay replaces its producer and"
                    + " sends again, in order, every event not acknowledged; if the new producer's first send fails or waits as"
                    + " long too, the relay stops (exit 1). Ends a producer that retries what it cannot recover from (seen:"
                    + " OUT_OF_ORDER_SEQUENCE_NUMBER on a new topic for the whole kafka.producer.delivery.timeout.ms, 2 minutes);"
                    + " above that timeout it never fires.")
            .intAtLeast(1000);
    public static final String AT_LEAST_ONCE = "at-least-once";
    public static final String EXACTLY_ONCE = "exactly-once";
    public static final Setting DELIVERY_GUARANTEE = Setting.optional("delivery.guarantee", AT_LEAST_ONCE,
            "at-least-once: events are sent pipelined and the position saved every offset.flush.interval.ms once Kafka"
                    + " acknowledged them; a crash re-sends what followed the saved position. exactly-once: each batch's"
                    + " events, dead letters and the position after it are one Kafka transaction (transactional.id = relay.name;"
                    + " a relay started with the same name fences this one); readers with isolation.level=read_committed see"
                    + " each event once. Needs Write and Describe on the TransactionalId relay.name.")
            .oneOf(AT_LEAST_ONCE, EXACTLY_ONCE);
    public static final Setting SNAPSHOT_MODE = Setting.optional("snapshot.mode", "no_data",
            "Debezium snapshot.mode: no_data relays only rows committed after the slot was created; "
                    + "initial also relays rows already in the table on the first start.")
            .oneOf("no_data", "initial", "when_needed");
    public static final Setting HEARTBEAT_INTERVAL_MS = Setting.optional("heartbeat.interval.ms", "10000",
            "How often the relay writes a heartbeat row to " + OutboxSchema.HEARTBEAT_TABLE + " and confirms its position,"
                    + " so that an idle outbox does not make the slot hold back WAL that other databases write; needs"
                    + " INSERT and DELETE on that table and the table in the publication (outbox-sql V5). 0 disables.")
            .intAtLeast(0);
    public static final Setting STARTUP_TIMEOUT_MS = Setting.optional("startup.timeout.ms", "30000",
            "How long pre-flight checks wait for PostgreSQL and Kafka to answer, and for a replication slot still held"
                    + " by a relay that has just stopped to be released.").positiveInt();
    public static final Setting STANDBY = Setting.optional("standby", "false",
            "true: a relay that finds its replication slot in use waits as a hot standby (state STANDBY, /health/live 200,"
                    + " /health/ready 503) for as long as it takes, then takes over; standbys take turns, so only one starts."
                    + " false: it waits at most startup.timeout.ms, then fails.")
            .oneOf("true", "false");
    public static final Setting RECOVERY_RESEND_SINCE = Setting.optional("recovery.resend.since", "",
            "Only when the pre-flight check finds a gap (replication slot missing or ahead of the saved position) or an"
                    + " interrupted re-send: re-send the outbox rows with occurred_at at or after this ISO-8601 time, then stream"
                    + " from a new slot. Must not be later than the saved position's commit time; ignored when there is no gap."
                    + " Needs SELECT on the outbox table. Rows re-sent are duplicates to consumers, who dedupe on eventId.")
            .validatedBy(RelayConfig::isInstant, "an ISO-8601 time such as 2026-11-27T10:00:00Z");
    public static final Setting RECOVERY_ACCEPT_GAP = Setting.optional("recovery.accept.gap", "false",
            "true: start despite a gap the pre-flight check found, skipping every outbox row committed in it (logged)."
                    + " Never set this by default: recovery.resend.since loses nothing.")
            .oneOf("true", "false");
    public static final Setting HTTP_PORT = Setting.optional("http.port", "8080",
            "Port of the HTTP endpoint for the console page (/), /metrics (Prometheus), /health/live, /health/ready and"
                    + " /status, served by 'relay run'; 0 picks a free port (logged), -1 disables the endpoint.")
            .validatedBy(v -> v.trim().matches("-1|[0-9]{1,5}") && Integer.parseInt(v.trim()) <= 65535,
                    "-1, 0 or a port number up to 65535");
    public static final Setting HTTP_HOST = Setting.optional("http.host", "0.0.0.0",
            "Address the HTTP endpoint listens on (0.0.0.0: every interface; 127.0.0.1: this host only).");
    public static final Setting LOG_FORMAT = Setting.optional("log.format", "text",
            "Log format on stderr: text, or json (one ECS JSON object per line, for log shippers).")
            .oneOf("text", "json");

    public static final List<Setting> SETTINGS = List.of(RELAY_NAME, DATABASE_HOST, DATABASE_PORT, DATABASE_NAME,
            DATABASE_USER, DATABASE_PASSWORD, SLOT_NAME, SLOT_FAILOVER, PUBLICATION, OUTBOX_TABLE, OUTBOX_MESSAGES, KAFKA_BOOTSTRAP, TOPIC_PATTERN,
            DEAD_LETTER_TOPIC, HEADER_COLUMNS, TOPIC_PARTITIONS, TOPIC_REPLICATION, TOPIC_RETENTION_MS, TOPIC_COMPACT_PATTERN,
            OFFSET_TOPIC, OFFSET_TOPIC_REPLICATION, OFFSET_FLUSH_INTERVAL_MS, POLL_INTERVAL_MS, MAX_BATCH_SIZE, KAFKA_ACK_TIMEOUT_MS,
            DELIVERY_GUARANTEE, SNAPSHOT_MODE,
            HEARTBEAT_INTERVAL_MS, STARTUP_TIMEOUT_MS, STANDBY, RECOVERY_RESEND_SINCE, RECOVERY_ACCEPT_GAP, HTTP_PORT, HTTP_HOST,
            LOG_FORMAT);

    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(password|secret|jaas|token|credential|key\\.pem|keystore\\.key).*");

    private final Map<String, String> values;

    private RelayConfig(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /** Reads a properties file, then applies environment overrides, then validates. */
    public static RelayConfig load(Path file, Map<String, String> environment) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        catch (NoSuchFileException e) {
            throw new ConfigException("configuration file " + file + " does not exist");
        }
        catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
        }
        return from(properties, environment);
    }

    /**
     * Builds a validated configuration. Environment variables win over properties: each declared
     * setting has one ({@link Setting#environmentVariable()}); pass-through keys can be given as
     * {@code RELAY_DEBEZIUM__key} / {@code RELAY_KAFKA_PRODUCER__key} (after the double underscore,
     * '_' stands for '.').
     */
    public static RelayConfig from(Properties properties, Map<String, String> environment) {
        Map<String, String> values = new TreeMap<>();
        properties.stringPropertyNames().forEach(k -> values.put(k.trim(), properties.getProperty(k).trim()));
        for (Setting s : SETTINGS) {
            String fromEnv = environment.get(s.environmentVariable());
            if (fromEnv != null) {
                values.put(s.name(), fromEnv.trim());
            }
        }
        environment.forEach((k, v) -> {
            if (k.startsWith("RELAY_DEBEZIUM__")) {
                values.put(DEBEZIUM_PREFIX + envKey(k, "RELAY_DEBEZIUM__"), v);
            }
            else if (k.startsWith("RELAY_KAFKA_PRODUCER__")) {
                values.put(PRODUCER_PREFIX + envKey(k, "RELAY_KAFKA_PRODUCER__"), v);
            }
        });
        List<String> problems = new ArrayList<>();
        for (Setting s : SETTINGS) {
            values.putIfAbsent(s.name(), s.defaultValue());
            String problem = s.problemWith(values.get(s.name()));
            if (problem != null) {
                problems.add(s.name() + " " + problem);
            }
        }
        for (String key : values.keySet()) {
            boolean known = SETTINGS.stream().anyMatch(s -> s.name().equals(key))
                    || key.startsWith(DEBEZIUM_PREFIX) || key.startsWith(PRODUCER_PREFIX);
            if (!known) {
                problems.add("unknown setting '" + key + "' (see 'relay settings' for the list)");
            }
            if (key.equals(PRODUCER_PREFIX + "transactional.id")) {
                problems.add(key + " cannot be set: delivery.guarantee=exactly-once uses relay.name as the transactional id");
            }
            String derived = key.startsWith(DEBEZIUM_PREFIX) ? DerivedDebeziumKeys.SOURCES.get(key.substring(DEBEZIUM_PREFIX.length())) : null;
            if (derived != null) {
                problems.add(key + " cannot be set: the relay derives it from " + derived
                        + " (which pre-flight, status, attach and detach use too); set that instead");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException("invalid configuration: " + String.join("; ", problems));
        }
        return new RelayConfig(values);
    }

    private static boolean isRegex(String value) {
        try {
            Pattern.compile(value);
            return true;
        }
        catch (java.util.regex.PatternSyntaxException e) {
            return false;
        }
    }

    private static boolean isInstant(String value) {
        try {
            java.time.Instant.parse(value.trim());
            return true;
        }
        catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    private static String envKey(String variable, String prefix) {
        return variable.substring(prefix.length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.');
    }

    public String get(Setting setting) {
        String value = values.get(setting.name());
        return value == null ? "" : value;
    }

    public int getInt(Setting setting) {
        return Integer.parseInt(get(setting).trim());
    }

    public boolean getBoolean(Setting setting) {
        return Boolean.parseBoolean(get(setting).trim());
    }

    /** Whether {@link #DELIVERY_GUARANTEE} is exactly-once. */
    public boolean exactlyOnce() {
        return EXACTLY_ONCE.equals(get(DELIVERY_GUARANTEE));
    }

    public long getLong(Setting setting) {
        return Long.parseLong(get(setting).trim());
    }

    /**
     * A JDBC connection to the outbox database as {@link #DATABASE_USER}, named
     * {@code <relay.name>-<purpose>} in pg_stat_activity, giving up after {@link #STARTUP_TIMEOUT_MS}.
     */
    public java.sql.Connection connectToDatabase(String purpose) throws java.sql.SQLException {
        return connectToDatabase(purpose, get(DATABASE_USER), get(DATABASE_PASSWORD));
    }

    /** As {@link #connectToDatabase(String)}, but as another role (an administrator installing what the relay needs). */
    public java.sql.Connection connectToDatabase(String purpose, String user, String password) throws java.sql.SQLException {
        return databaseHosts().connect(get(DATABASE_NAME), user, password, Math.max(1, getInt(STARTUP_TIMEOUT_MS) / 1000), 0,
                get(RELAY_NAME) + "-" + purpose);
    }

    /** {@link #DATABASE_HOST} and {@link #DATABASE_PORT} as the list of hosts they name. */
    public DatabaseHosts databaseHosts() {
        return DatabaseHosts.parse(get(DATABASE_HOST), getInt(DATABASE_PORT));
    }

    /** host:port/database for messages; every host of several. */
    public String databaseWhere() {
        return databaseHosts() + "/" + get(DATABASE_NAME);
    }

    /** This configuration with {@code host} as its only database host: the primary a relay found among several. */
    public RelayConfig pinnedTo(DatabaseHosts.Host host) {
        Map<String, String> copy = new TreeMap<>(values);
        copy.put(DATABASE_HOST.name(), host.name());
        copy.put(DATABASE_PORT.name(), String.valueOf(host.port()));
        return new RelayConfig(copy);
    }

    /** Settings under {@code prefix}, with the prefix removed. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** Parsed {@link #HEADER_COLUMNS}: column name to header name, in the order given. */
    public Map<String, String> headerColumns() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : get(HEADER_COLUMNS).split(",")) {
            String[] parts = pair.trim().split(":");
            out.put(parts[0].trim(), parts[1].trim());
        }
        return out;
    }

    /** One line per setting, secrets masked, also inside JDBC URLs and JAAS configs. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        values.forEach((k, v) -> out.append(k).append('=').append(mask(k, v)).append('\n'));
        return out.toString();
    }

    static String mask(String key, String value) {
        if (value == null || value.isEmpty()) {
            return value;
        }
        boolean declaredSecret = SETTINGS.stream().anyMatch(s -> s.name().equals(key) && s.isSecret());
        if (declaredSecret || SECRET_KEY.matcher(key).matches()) {
            return "****";
        }
        // user:password@host in URLs, and password=... inside JDBC query strings
        return value.replaceAll("(://[^:/@]+:)[^@]*@", "$1****@")
                .replaceAll("(?i)(password=)[^&;\\s]*", "$1****");
    }
}
