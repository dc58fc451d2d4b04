package io.outboxrelay.relay.attach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.sql.OutboxHeaders;

/**
 * The database-facing half of {@link MaliciousIdentifiersUnitTests}: a relay role whose name is SQL is
 * created by {@code attach} under exactly that name (quoted by the server, never executed) and the relay
 * streams as it; outbox rows whose aggregate types hold SQL, quotes, dots and slashes are dead-lettered
 * or routed as plain names, and nothing in them is ever executed.
 */
public class MaliciousIdentifiersIntegrationTests {

    public static final String ROLE_PASSWORD = "H0stile-R0le-Pw";
    private static final String SQL = "'; DROP TABLE outbox.event; --";

    @Test
    void roleNamedWithSqlIsQuotedAndHostileAggregateTypesAreDeadLetteredNeverExecuted() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newEmptyFixture();
        // role names are per cluster: this run's own
        String role = "relay" + ProcessHandle.current().pid() + "\"; DROP TABLE outbox.event; --";
        StringWriter attached = new StringWriter();
        Attach.run(fixture.relayConfig(), new Attach.Options(fixture.postgres.superuser(), fixture.postgres.superuserPassword(),
                role, ROLE_PASSWORD, List.of(), false), new PrintWriter(attached));

        String quoted = "\"" + role.replace("\"", "\"\"") + "\"";
        assertThat(attached.toString()).contains("created role " + quoted);
        assertThat(query(fixture, "SELECT rolname FROM pg_roles WHERE rolname = ? AND rolreplication AND NOT rolsuper", role))
                .containsExactly(role);

        RelayConfig asRole = fixture.relayConfig(Map.of("database.user", role, "database.password", ROLE_PASSWORD));
        List<String> hostile = List.of("x" + SQL, "../x", "a/b", "x\"y", "Robert'); DROP TABLE outbox.event;--");
        try (Relay relay = Relay.start(asRole)) {
            insert(fixture, "Order");
            for (String type : hostile) {
                insert(fixture, type);
            }
            insert(fixture, "a.b"); // dots are legal in topic names: a topic of its own
            insert(fixture, "Order");
            await().atMost(Duration.ofSeconds(60)).until(() -> fixture.endOffsetSum(List.of(fixture.topic("Order"))) == 2
                    && fixture.endOffsetSum(List.of(fixture.topic("a.b"))) == 1
                    && fixture.endOffsetSum(List.of(fixture.topicPrefix + ".dead-letter")) == hostile.size());
            assertThat(relay.state()).isEqualTo(Relay.State.RUNNING);
        }

        List<String> reasons = new ArrayList<>();
        for (List<ConsumerRecord<byte[], byte[]>> records : fixture.readAll(List.of(fixture.topicPrefix + ".dead-letter")).values()) {
            records.forEach(r -> reasons.add(new String(r.headers().lastHeader(OutboxHeaders.DLQ_REASON).value(), StandardCharsets.UTF_8)));
        }
        assertThat(reasons).containsExactlyInAnyOrderElementsOf(hostile.stream().map(type -> "aggregate_type '" + type
                + "' gives topic '" + fixture.topic(type) + "', which is not a legal Kafka topic name (letters, digits, '.',"
                + " '_', '-'; at most 249)").toList());
        assertThat(query(fixture, "SELECT count(*)::text FROM outbox.event WHERE aggregate_type <> ?", "")).as("outbox intact")
                .containsExactly(String.valueOf(hostile.size() + 3));

        StringWriter detached = new StringWriter();
        Detach.run(fixture.relayConfig(), new Detach.Options(fixture.postgres.superuser(), fixture.postgres.superuserPassword(),
                role, true, false), new PrintWriter(detached));
        assertThat(query(fixture, "SELECT rolname FROM pg_roles WHERE rolname = ?", role)).as(detached.toString()).isEmpty();
        assertThat(query(fixture, "SELECT to_regclass(?)::text", "outbox.event")).containsExactly("outbox.event");
    }

    /** An outbox row as an application writes it: the values bound, never spliced into SQL. */
    private static void insert(RelayFixture fixture, String aggregateType) throws Exception {
        try (Connection c = fixture.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload)"
                        + " VALUES (?, ?, 'a-1', 'Happened', '{}')")) {
            ps.setObject(1, UUID.randomUUID());
            ps.setString(2, aggregateType);
            ps.executeUpdate();
        }
    }

    private static List<String> query(RelayFixture fixture, String sql, String parameter) throws Exception {
        try (Connection c = fixture.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, parameter);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }
}
