package io.outboxrelay.relay.attach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import io.outboxrelay.relay.config.ConfigException;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.routing.OutboxRouter;
import io.outboxrelay.relay.routing.OutboxRows;
import io.outboxrelay.sql.OutboxHeaders;

/**
 * Identifiers with quotes, dots, slashes or SQL in them: every setting that ends up in SQL, a
 * replication command, a JDBC URL or a topic name refuses them before anything connects, naming the
 * setting; an aggregate type that would make such a topic goes to the dead-letter topic. The
 * database-facing half (a real relay, attach with such a role name) is
 * {@link MaliciousIdentifiersIntegrationTests}.
 */
class MaliciousIdentifiersUnitTests {

    static final List<String> HOSTILE = List.of("x'; DROP TABLE outbox.event; --", "../x", "a/b", "x\"y", "\"outbox\"",
            "x y", "a;b", "..");

    @Test
    void slotPublicationAndOutboxTableTakeOnlyPlainLowerCaseIdentifiers() {
        for (String hostile : HOSTILE) {
            assertRejected("slot.name", hostile, "slot.name must be lower-case letters, digits and _ (at most 63), starting with a letter or _");
            assertRejected("publication", hostile, "publication must be lower-case letters, digits and _ (at most 63), starting with a letter or _");
            assertRejected("outbox.table", hostile, "outbox.table must be schema.table, each lower-case letters, digits and _");
            assertRejected("outbox.table", "outbox." + hostile, "outbox.table must be schema.table");
        }
        assertRejected("outbox.table", "a.b.c", "outbox.table must be schema.table");
        assertRejected("outbox.table", "Outbox.Event", "outbox.table must be schema.table");
        assertRejected("publication", "Outbox_Publication", "publication must be lower-case letters");
        assertThat(config(Map.of("slot.name", "relay_2", "publication", "_pub", "outbox.table", "app_1.outbox_event")).describe())
                .contains("slot.name=relay_2", "publication=_pub", "outbox.table=app_1.outbox_event");
    }

    @Test
    void topicsAndTheRelayNameTakeOnlyLegalTopicNames() {
        for (String hostile : HOSTILE) {
            assertRejected("dead.letter.topic", hostile, "dead.letter.topic must be a Kafka topic name");
            assertRejected("offset.topic", hostile, "offset.topic must be a Kafka topic name");
            assertRejected("relay.name", hostile, "relay.name must be letters, digits, '.', '_' and '-'");
            if (!hostile.equals("..")) { // "outbox...${aggregateType}" is a legal, if odd, pattern
                assertRejected("topic.pattern", "outbox." + hostile + "${aggregateType}",
                        "topic.pattern must be a Kafka topic name (letters, digits, '.', '_', '-'; at most 249), optionally with ${aggregateType}");
            }
        }
        assertRejected("topic.pattern", "outbox.${aggregateId}", "topic.pattern must be a Kafka topic name");
        assertRejected("dead.letter.topic", "x".repeat(250), "dead.letter.topic must be a Kafka topic name");
        assertThat(config(Map.of("topic.pattern", "${aggregateType}", "dead.letter.topic", "dlq.outbox_relay-1",
                "offset.topic", "relay.offsets", "relay.name", "orders.relay-2")).describe())
                .contains("topic.pattern=${aggregateType}", "dead.letter.topic=dlq.outbox_relay-1");
    }

    @Test
    void databaseHostAndNameCannotAddParametersToTheJdbcUrl() {
        assertRejected("database.name", "orders?socketFactory=org.example.Evil&socketFactoryArg=x",
                "database.name must be a database name without '/', '?', '&'");
        assertRejected("database.name", "orders#x", "database.name must be a database name");
        assertRejected("database.name", "orders'; DROP DATABASE orders; --", "database.name must be a database name");
        assertRejected("database.host", "db:5432/orders?sslfactory=org.example.Evil", "database.host must be a host name");
        assertRejected("database.host", "db/x", "database.host must be a host name");
        assertThat(config(Map.of("database.host", "[::1]", "database.name", "Orders-2026")).describe())
                .contains("database.host=[::1]", "database.name=Orders-2026");
    }

    @Test
    void everyProblemIsReportedAtOnceInOneLine() {
        assertThatThrownBy(() -> config(Map.of("slot.name", "x'; DROP TABLE outbox.event; --", "publication", "a/b")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("invalid configuration: slot.name must be lower-case letters, digits and _ (at most 63), starting"
                        + " with a letter or _, got 'x'; DROP TABLE outbox.event; --'; publication must be lower-case letters,"
                        + " digits and _ (at most 63), starting with a letter or _, got 'a/b'");
    }

    @Test
    void aggregateTypesThatMakeNoLegalTopicGoToTheDeadLetterTopicAndDotsAreJustDots() {
        OutboxRouter router = new OutboxRouter("outbox.${aggregateType}", "outbox.dead-letter", Map.of());
        for (String hostile : List.of("x'; DROP TABLE outbox.event; --", "../x", "a/b", "x\"y", "x y", "a;b")) {
            ProducerRecord<byte[], byte[]> record = route(router, hostile);
            assertThat(record.topic()).as(hostile).isEqualTo("outbox.dead-letter");
            assertThat(header(record)).as(hostile).isEqualTo("aggregate_type '" + hostile + "' gives topic 'outbox." + hostile
                    + "', which is not a legal Kafka topic name (letters, digits, '.', '_', '-'; at most 249)");
        }
        assertThat(route(router, "a.b").topic()).isEqualTo("outbox.a.b");
        // with the type as the whole topic name, the two names Kafka reserves
        OutboxRouter bare = new OutboxRouter("${aggregateType}", "outbox.dead-letter", Map.of());
        assertThat(route(bare, "..").topic()).isEqualTo("outbox.dead-letter");
        assertThat(route(bare, ".").topic()).isEqualTo("outbox.dead-letter");
    }

    private static ProducerRecord<byte[], byte[]> route(OutboxRouter router, String aggregateType) {
        Map<String, String> row = new HashMap<>(OutboxRows.validRow("e-1", "order-1"));
        row.put("aggregate_type", aggregateType);
        return router.route(OutboxRows.insert(row));
    }

    private static String header(ProducerRecord<byte[], byte[]> record) {
        return new String(record.headers().lastHeader(OutboxHeaders.DLQ_REASON).value(), StandardCharsets.UTF_8);
    }

    private static void assertRejected(String setting, String value, String expected) {
        assertThatThrownBy(() -> config(Map.of(setting, value)))
                .as("%s=%s", setting, value)
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("invalid configuration: " + expected);
    }

    private static RelayConfig config(Map<String, String> settings) {
        Properties p = new Properties();
        p.setProperty("database.name", "orders");
        p.setProperty("database.user", "relay");
        p.setProperty("kafka.bootstrap.servers", "kafka:9092");
        p.putAll(settings);
        return RelayConfig.from(p, Map.of());
    }
}
