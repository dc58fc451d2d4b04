package io.debezium;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.debezium.config.Configuration;
import io.debezium.connector.postgresql.PostgresConnectorConfig;
import io.debezium.connector.postgresql.connection.DateTimeFormat;
import io.debezium.data.Envelope;
import io.debezium.data.SchemaUtil;
import io.debezium.metrics.event.LagBehindSourceEvent;
import io.debezium.metrics.stats.LagBehindSourceMeasurement;
import io.debezium.metrics.stats.MeasurementCollector;
import io.debezium.metrics.stats.MeasurementStatisticsFactory;
import io.debezium.pipeline.meters.CommonEventMeter;
import io.debezium.pipeline.source.spi.EventMetadataProvider;
import io.debezium.pipeline.spi.OffsetContext;
import io.debezium.relational.TableId;
import io.debezium.spi.schema.DataCollectionId;
import io.debezium.time.ZonedTimestamp;
import io.debezium.util.Clock;

/**
 * debezium-patches holds changed copies of seven Debezium 3.6.1.Final classes: {@code io.debezium.data.SchemaUtil},
 * {@code io.debezium.metrics.stats.MeasurementCollector}, {@code io.debezium.time.ZonedTimestamp},
 * {@code io.debezium.pipeline.meters.CommonEventMeter}, {@code io.debezium.connector.postgresql.SourceInfo},
 * {@code io.debezium.connector.postgresql.PostgresSchema} and
 * {@code io.debezium.connector.postgresql.connection.DateTimeFormat} (see the comments in those files and this module's
 * README.md; the last three are compared with Debezium's output in PostgresConnectorCopiesUnitTests and
 * DateTimeFormatCopyUnitTests). These pin down that each copy says what it changes, that the copies do what
 * Debezium's did, and which Debezium version they were copied from. Whether they win a class path is the relay's
 * check (cdc-relay's DebeziumPatches and its tests).
 */
class PatchedCopiesUnitTests {

    @Test
    void everyCopySaysWhatItChangesAndComesFromThisModule() throws Exception {
        Path classes = Path.of(SchemaUtil.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> copies;
        try (Stream<Path> files = Files.walk(classes)) {
            copies = files.map(file -> classes.relativize(file).toString().replace(java.io.File.separatorChar, '/'))
                    .filter(name -> name.endsWith(".class") && !name.contains("$")).sorted().toList();
        }
        assertThat(copies).hasSize(7);
        for (String copy : copies) {
            Class<?> type = Class.forName(copy.substring(0, copy.length() - ".class".length()).replace('/', '.'));
            assertThat(type.getField("OUTBOX_RELAY_PATCH").get(null)).as(type.getName()).asString().isNotBlank();
            assertThat(type.getProtectionDomain().getCodeSource().getLocation())
                    .as("%s must be this module's copy, ahead of Debezium's jars on the test class path", type.getName())
                    .isEqualTo(SchemaUtil.class.getProtectionDomain().getCodeSource().getLocation());
        }
    }

    @Test
    void lastEventSummaryIsBuiltWhenReadAndDescribesTheLastEvent() {
        AtomicInteger summaries = new AtomicInteger();
        EventMetadataProvider provider = new EventMetadataProvider() {
            @Override
            public Instant getEventTimestamp(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
                return null;
            }

            @Override
            public Map<String, String> getEventSourcePosition(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
                return Map.of("lsn", String.valueOf(value.getInt64("lsn")));
            }

            @Override
            public String getTransactionId(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
                return null;
            }

            @Override
            public String toSummaryString(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
                summaries.incrementAndGet();
                return EventMetadataProvider.super.toSummaryString(source, offset, key, value);
            }
        };
        CommonEventMeter meter = new CommonEventMeter(Clock.SYSTEM, provider);
        Schema valueSchema = SchemaBuilder.struct().field("lsn", Schema.INT64_SCHEMA).build();
        Schema keySchema = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA).build();
        TableId table = new TableId(null, "outbox", "outbox_event");
        assertThat(meter.getLastEvent()).isNull();

        for (long lsn = 1; lsn <= 1_000; lsn++) {
            meter.onEvent(table, null, new Struct(keySchema).put("id", "e" + lsn), new Struct(valueSchema).put("lsn", lsn),
                    Envelope.Operation.CREATE);
        }

        assertThat(summaries).as("nothing summarised while events flow").hasValue(0);
        assertThat(meter.getTotalNumberOfCreateEventsSeen()).isEqualTo(1_000);
        assertThat(meter.getLastEvent()).isEqualTo("position: {lsn: 1000}, key: {\"id\" : \"e1000\"}");
        assertThat(summaries).hasValue(1);
        meter.reset();
        assertThat(meter.getLastEvent()).isNull();
    }

    @Test
    void zonedTimestampFormatsExactlyAsDebeziumsPerCallFormatterDid() {
        List<ZonedDateTime> values = List.of(
                ZonedDateTime.of(2026, 11, 27, 21, 40, 0, 123_456_000, ZoneOffset.UTC),
                ZonedDateTime.of(2026, 11, 27, 21, 40, 5, 0, ZoneOffset.UTC),
                ZonedDateTime.of(1999, 12, 31, 23, 59, 59, 999_999_999, ZoneOffset.UTC),
                ZonedDateTime.of(2026, 3, 29, 1, 30, 7, 100_000, ZoneOffset.ofHoursMinutes(5, 30)),
                ZonedDateTime.of(-44, 3, 15, 12, 0, 0, 1, ZoneOffset.UTC));
        List<ZonedDateTime> all = new ArrayList<>(values);
        java.util.Random random = new java.util.Random(27);
        List<java.time.ZoneId> zones = List.of(ZoneOffset.UTC, ZoneOffset.ofHours(-3), ZoneOffset.ofHoursMinutesSeconds(-4, -56, -2),
                ZoneOffset.ofHoursMinutes(5, 45), java.time.ZoneId.of("Europe/Paris"));
        for (int i = 0; i < 2_000; i++) {
            all.add(ZonedDateTime.of(random.nextInt(10_100) - 50, 1 + random.nextInt(12), 1 + random.nextInt(28), random.nextInt(24),
                    random.nextInt(60), random.nextInt(60), random.nextInt(1_000_000_000), zones.get(random.nextInt(zones.size()))));
        }
        for (ZonedDateTime value : all) {
            for (Integer width : java.util.Arrays.asList(null, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)) {
                assertThat(ZonedTimestamp.toIsoString(value, null, width)).as("%s, width %s", value, width)
                        .isEqualTo(value.format(debezium361Formatter(width)));
            }
        }
        assertThat(ZonedTimestamp.toIsoString(values.get(0), null, 6)).as("an outbox occurredAt")
                .isEqualTo("2026-11-27T21:40:00.123456Z");
    }

    /** Debezium 3.6.1.Final's ZonedTimestamp.getDateTimeFormatter, built per call as it did. */
    private static DateTimeFormatter debezium361Formatter(Integer fractionalWidth) {
        if (fractionalWidth == null || fractionalWidth <= 0 || fractionalWidth > 9) {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME;
        }
        DateTimeFormatter time = new DateTimeFormatterBuilder().appendValue(ChronoField.HOUR_OF_DAY, 2).appendLiteral(':')
                .appendValue(ChronoField.MINUTE_OF_HOUR, 2).optionalStart().appendLiteral(':')
                .appendValue(ChronoField.SECOND_OF_MINUTE, 2).optionalStart()
                .appendFraction(ChronoField.NANO_OF_SECOND, fractionalWidth, fractionalWidth, true).toFormatter(Locale.ENGLISH);
        DateTimeFormatter dateTime = new DateTimeFormatterBuilder().parseCaseInsensitive().append(DateTimeFormatter.ISO_LOCAL_DATE)
                .appendLiteral('T').append(time).toFormatter(Locale.ENGLISH);
        return new DateTimeFormatterBuilder().parseCaseInsensitive().append(dateTime).parseLenient().appendOffsetId()
                .parseStrict().toFormatter(Locale.ENGLISH);
    }

    @Test
    void copiesAreForTheDebeziumVersionInUse() {
        assertThat(io.debezium.connector.postgresql.Module.version())
                .as("Debezium changed: delete debezium-patches' io/debezium/data/SchemaUtil.java if this version has the fix for"
                        + " debezium/dbz#2492, else copy SchemaUtil from this version again and re-apply the change;"
                        + " compare io/debezium/metrics/stats/MeasurementCollector.java, io/debezium/time/ZonedTimestamp.java,"
                        + " io/debezium/pipeline/meters/CommonEventMeter.java, io/debezium/connector/postgresql/SourceInfo.java,"
                        + " io/debezium/connector/postgresql/PostgresSchema.java and"
                        + " io/debezium/connector/postgresql/connection/DateTimeFormat.java with this version's likewise (debezium-patches/README.md)")
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
