package io.outboxrelay.faults;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import javax.sql.DataSource;

import org.apache.kafka.common.IsolationLevel;
import org.postgresql.ds.PGSimpleDataSource;

import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.testkit.DeliveryCheck;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

import picocli.CommandLine;

/**
 * One scenario's relay deployment: a fresh database, the outbox and a least-privilege role installed by
 * {@code relay attach --create-role} (never a superuser), a configuration file for that role, and names of its
 * own (slot, relay name, topics), so scenarios never see each other's events.
 */
final class Deployment {

    static final String ROLE_PASSWORD = "F4ult-Suite-R3lay";

    final PostgresInstance postgres;
    final KafkaInstance kafka;
    final String name;
    final String database;
    final String role;
    final String topicPrefix;
    final String slotName;
    /** How the suite reads the topics: read_committed when the relay writes in transactions (exactly-once). */
    final IsolationLevel isolation;
    private final Path config;
    private final Path logDirectory;
    private int launches;

    /**
     * @param overrides relay settings for this scenario, e.g. {@code kafka.producer.delivery.timeout.ms}
     */
    Deployment(PostgresInstance postgres, KafkaInstance kafka, String name, Path logDirectory, Map<String, String> overrides) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.name = name;
        this.logDirectory = logDirectory;
        long pid = ProcessHandle.current().pid();
        this.database = "faults_" + name + "_" + pid;
        this.role = "relay_" + name + "_" + pid;
        this.topicPrefix = "faults-" + name + "-" + pid;
        this.slotName = "slot_" + name + "_" + pid;
        this.isolation = "exactly-once".equals(overrides.get("delivery.guarantee")) ? IsolationLevel.READ_COMMITTED
                : IsolationLevel.READ_UNCOMMITTED;
        postgres.createDatabase(database);
        this.config = writeConfig(overrides);
        attach();
    }

    private Path writeConfig(Map<String, String> overrides) {
        Properties p = new Properties();
        p.setProperty("relay.name", topicPrefix + "-relay");
        p.setProperty("database.host", postgres.host());
        p.setProperty("database.port", String.valueOf(postgres.port()));
        p.setProperty("database.name", database);
        p.setProperty("database.user", role); // its password comes from RELAY_DATABASE_PASSWORD
        p.setProperty("kafka.bootstrap.servers", kafka.bootstrapServers());
        p.setProperty("topic.pattern", topicPrefix + ".${aggregateType}");
        p.setProperty("dead.letter.topic", deadLetterTopic());
        p.setProperty("offset.topic", topicPrefix + ".offsets");
        p.setProperty("slot.name", slotName);
        p.setProperty("startup.timeout.ms", "15000");
        p.setProperty("http.port", "0");
        p.putAll(overrides);
        try {
            Path file = Files.createDirectories(logDirectory).resolve(name + "-relay.properties");
            try (Writer w = Files.newBufferedWriter(file)) {
                p.store(w, "fault-suite scenario " + name);
            }
            return file;
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code relay attach --create-role} as the superuser: outbox migrations, publication, the relay's role. */
    private void attach() {
        StringWriter out = new StringWriter();
        CommandLine cli = RelayCli.commandLine(Map.of("RELAY_ADMIN_PASSWORD", postgres.superuserPassword(),
                "RELAY_ROLE_PASSWORD", ROLE_PASSWORD));
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        int code = cli.execute("attach", "--config", config.toString(), "--admin-user", postgres.superuser(),
                "--create-role", role);
        if (code != RelayCli.EXIT_OK) {
            throw new AssertionError("relay attach exited with " + code + ":\n" + out);
        }
    }

    /** Starts {@code relay run} as the attached role and waits until it streams. */
    RelayProcess startRelay(String label) {
        return launchRelay(label).awaitRunning(Duration.ofSeconds(90));
    }

    /** Starts {@code relay run} as the attached role; returns at once. */
    RelayProcess launchRelay(String label) {
        Path log = logDirectory.resolve(name + "-" + (++launches) + "-" + label + ".log");
        return RelayProcess.launch(config, Map.of("RELAY_DATABASE_PASSWORD", ROLE_PASSWORD), log);
    }

    /** The superuser's view of the database: the load writes with it, the check reads the outbox with it. */
    DataSource dataSource() {
        PGSimpleDataSource ds = postgres.dataSource(database);
        ds.setConnectTimeout(5);
        return ds;
    }

    String topic(String aggregateType) {
        return topicPrefix + "." + aggregateType;
    }

    String deadLetterTopic() {
        return topicPrefix + ".dead-letter";
    }

    /**
     * The outbox table against the event topics and the dead-letter topic, as any reader sees them (at-least-once), or as
     * a {@code read_committed} reader does (exactly-once).
     */
    DeliveryCheck deliveryCheck() throws SQLException {
        return DeliveryCheck.ofOutbox(dataSource(), kafka, eventTopics(), deadLetterTopic(), isolation);
    }

    /** Every topic the relay may write events to. */
    List<String> eventTopics() {
        return List.of(topic("Order"), topic("Customer"), topic(Probe.AGGREGATE_TYPE), deadLetterTopic());
    }

    /** The relay's role must not be a superuser: the suite proves what the least-privilege setup survives. */
    boolean roleIsSuperuser() throws SQLException {
        try (Connection c = dataSource().getConnection(); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT rolsuper FROM pg_roles WHERE rolname = '" + role + "'")) {
            if (!rs.next()) {
                throw new AssertionError("role " + role + " does not exist");
            }
            return rs.getBoolean(1);
        }
    }
}
