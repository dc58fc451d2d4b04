package io.debezium.connector.postgresql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.debezium.config.Configuration;
import io.debezium.connector.postgresql.connection.Lsn;
import io.debezium.relational.TableId;

/**
 * debezium-patches' copies of Debezium's SourceInfo (the sequence written without Jackson) and PostgresSchema (relation
 * names parsed once): what they return must stay what Debezium's returned.
 */
class PostgresConnectorCopiesUnitTests {

    private final ObjectMapper jackson = new ObjectMapper();

    @Test
    void sequenceIsTheJsonArrayDebeziumsObjectMapperWrote() throws Exception {
        SourceInfo source = new SourceInfo(new PostgresConnectorConfig(Configuration.create().with("topic.prefix", "t")
                .with("database.dbname", "orders").build()));
        assertThat(source.sequence()).as("nothing seen yet").isEqualTo(jackson.writeValueAsString(Arrays.asList(null, null)))
                .isEqualTo("[null,null]");

        TableId outbox = new TableId(null, "outbox", "outbox_event");
        source.update(Lsn.valueOf(24_000_000L), null, 812L, null, outbox, null);
        assertThat(source.sequence()).isEqualTo(jackson.writeValueAsString(Arrays.asList(null, "24000000")));

        for (long[] lsns : new long[][] { { 23_999_000L, 24_000_100L }, { 0L, 1L }, { Long.MAX_VALUE, Long.MIN_VALUE }, { -1L, 9L } }) {
            source.updateLastCommit(Lsn.valueOf(lsns[0]));
            source.update(Lsn.valueOf(lsns[1]), null, 812L, null, outbox, null);
            assertThat(source.sequence()).isEqualTo(jackson.writeValueAsString(
                    Arrays.asList(Long.toString(lsns[0]), Long.toString(lsns[1]))));
        }
        assertThat(source.sequence()).isEqualTo("[\"-1\",\"9\"]");
    }

    @Test
    void relationNamesParseAsDebeziumParsedThemAndOnlyOnce() {
        for (String name : new String[] { "\"outbox\".\"outbox_event\"", "outbox.outbox_event", "orders", "\"Odd.Schema\".\"tab\"\"le\"",
                "public.orders" }) {
            TableId first = PostgresSchema.parse(name);
            assertThat(first).as(name).isEqualTo(PostgresSchema.parseUncached(name));
            assertThat(PostgresSchema.parse(name)).as("remembered").isSameAs(first);
        }
        assertThat(PostgresSchema.parse("orders")).isEqualTo(new TableId(null, "public", "orders"));
        assertThat(PostgresSchema.parse("\"Odd.Schema\".\"tab\"\"le\"")).isEqualTo(new TableId(null, "Odd.Schema", "tab\"le"));
    }
}
