package io.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.debezium.data.SchemaUtil;

/**
 * The relay ships a fixed copy of Debezium's {@code io.debezium.data.SchemaUtil} (see the comment in that file):
 * these pin down that the copy is the one in effect, that it renders what Debezium's did, and which Debezium
 * version it was copied from.
 */
class DebeziumBackportsUnitTests {

    @Test
    void schemaUtilBackportShadowsDebeziumsOwnCopy() {
        assertThat(SchemaUtil.class.getProtectionDomain().getCodeSource().getLocation())
                .as("SchemaUtil must come from the relay's classes, ahead of debezium-connector-common on the class path")
                .isEqualTo(Relay.class.getProtectionDomain().getCodeSource().getLocation());
    }

    @Test
    void backportIsForTheDebeziumVersionInUse() {
        assertThat(io.debezium.connector.postgresql.Module.version())
                .as("Debezium changed: delete cdc-relay's io/debezium/data/SchemaUtil.java if this version has the fix for"
                        + " debezium/dbz#2492, else copy SchemaUtil from this version again and re-apply the change")
                .isEqualTo("3.6.1.Final");
    }

    @Test
    void rendersAStructExactlyAsDebeziumsObjectMapperDid() throws Exception {
        // as before the change: strings escaped by Jackson, every other value as its quoted toString()
        String tricky = "quote \" backslash \\ tab \t newline \n control \u0001 non-ASCII é € 😀 slash /";
        Schema schema = SchemaBuilder.struct().field("event_id", Schema.STRING_SCHEMA)
                .field("n", Schema.INT32_SCHEMA).field("absent", Schema.OPTIONAL_STRING_SCHEMA).build();
        Struct key = new Struct(schema).put("event_id", tricky).put("n", 7);

        String escaped = new ObjectMapper().writeValueAsString(tricky);

        assertThat(SchemaUtil.asDetailedString(key))
                .isEqualTo("{\"event_id\" : " + escaped + ", \"n\" : \"7\", \"absent\" : null}");
    }
}
