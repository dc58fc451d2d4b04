package io.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.debezium.config.Configuration;
import io.debezium.connector.postgresql.PostgresConnectorConfig;
import io.debezium.data.SchemaUtil;
import io.debezium.metrics.event.LagBehindSourceEvent;
import io.debezium.metrics.stats.LagBehindSourceMeasurement;
import io.debezium.metrics.stats.MeasurementCollector;
import io.debezium.metrics.stats.MeasurementStatisticsFactory;

/**
 * The relay ships changed copies of two Debezium classes, {@code io.debezium.data.SchemaUtil} and
 * {@code io.debezium.metrics.stats.MeasurementCollector} (see the comments in those files): these pin down that
 * the copies are the ones in effect, that they do what Debezium's did, and which Debezium version they were
 * copied from.
 */
class DebeziumBackportsUnitTests {

    @Test
    void schemaUtilBackportShadowsDebeziumsOwnCopy() {
        assertThat(SchemaUtil.class.getProtectionDomain().getCodeSource().getLocation())
                .as("SchemaUtil must come from the relay's classes, ahead of debezium-connector-common on the class path")
                .isEqualTo(Relay.class.getProtectionDomain().getCodeSource().getLocation());
    }

    @Test
    void measurementCollectorReplacementShadowsDebeziumsOwn() {
        assertThat(MeasurementCollector.class.getProtectionDomain().getCodeSource().getLocation())
                .as("MeasurementCollector must come from the relay's classes, ahead of debezium-connector-common")
                .isEqualTo(Relay.class.getProtectionDomain().getCodeSource().getLocation());
    }

    @Test
    void backportIsForTheDebeziumVersionInUse() {
        assertThat(io.debezium.connector.postgresql.Module.version())
                .as("Debezium changed: delete cdc-relay's io/debezium/data/SchemaUtil.java if this version has the fix for"
                        + " debezium/dbz#2492, else copy SchemaUtil from this version again and re-apply the change;"
                        + " compare io/debezium/metrics/stats/MeasurementCollector.java with this version's likewise")
                .isEqualTo("3.6.1.Final");
    }

    @Test
    void measurementIsAppliedOnTheCallingThreadAtOnce() {
        List<String> appliedOn = new ArrayList<>();
        List<Long> values = new ArrayList<>();
        MeasurementCollector<LagBehindSourceEvent> collector = new MeasurementCollector<>();
        collector.addMeasurement(LagBehindSourceEvent.class, event -> {
            appliedOn.add(Thread.currentThread().getName());
            values.add(event.getValue());
        });

        collector.accept(new LagBehindSourceEvent(42));
        collector.accept(new LagBehindSourceEvent(7));

        assertThat(values).as("no queue: applied before accept returned").containsExactly(42L, 7L);
        assertThat(appliedOn).containsOnly(Thread.currentThread().getName());
    }

    @Test
    void lagBehindSourceMeasurementKeepsItsFiguresWithStatisticsOff() {
        MeasurementCollector<LagBehindSourceEvent> collector = new MeasurementCollector<>();
        LagBehindSourceMeasurement lag = new LagBehindSourceMeasurement(MeasurementStatisticsFactory.createStatistics(
                new PostgresConnectorConfig(Configuration.create().with("topic.prefix", "t")
                        .with("statistics.metrics.enabled", "false").build())));
        collector.addMeasurement(LagBehindSourceEvent.class, lag);

        collector.accept(new LagBehindSourceEvent(30));
        collector.accept(new LagBehindSourceEvent(10));

        assertThat(lag.getLastValue()).isEqualTo(10L);
        assertThat(lag.getMaxValue()).isEqualTo(30L);
        assertThat(lag.getMinValue()).isEqualTo(10L);
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
