package io.debezium.connector.postgresql.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.SignStyle;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * debezium-patches' copy of Debezium's DateTimeFormat reads PostgreSQL's usual timestamptz text without a formatter:
 * these compare it with Debezium 3.6.1.Final's formatters (rebuilt here as Debezium builds them) on the texts
 * PostgreSQL writes and on texts the fast path must leave to the formatters.
 */
class DateTimeFormatCopyUnitTests {

    @Test
    void parsesPostgresTimestamptzTextExactlyAsDebeziumsFormattersDo() {
        Random random = new Random(20261127);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            texts.add(postgresText(random));
        }
        int fast = 0;
        for (String text : texts) {
            assertThat(parse(text)).as(text).isEqualTo(debezium361(text));
            if (DateTimeFormat.ISODateTimeFormat.parseUsualForm(text) != null) {
                fast++;
            }
        }
        assertThat(fast).as("PostgreSQL's usual texts are read by the fast path, not the formatters").isEqualTo(texts.size());
    }

    @Test
    void leavesEveryOtherTextToDebeziumsFormatters() {
        List<String> unusual = List.of(
                "0044-03-15 12:00:00+00 BC", // era
                "12345-01-01 00:00:00+00", // five-digit year
                "2026-11-27 21:40:00", // no offset: Debezium reads it as UTC
                "2026-02-30 10:00:00+00", // no such day: Debezium's SMART resolver moves it to the 28th
                "2026-11-27 24:00:00+00", "2026-11-27 21:40+00", "2026-11-27 21:40:00.+00", "2026-11-27 21:40:00.1234567891+00",
                "2026-11-27 21:40:00+0530", "2026-11-27 21:40:00+05:3", "2026-11-27 21:40:00+19", "2026-11-27 21:40:00+05:60",
                "2026-11-27T21:40:00+00", "0000-01-01 00:00:00+00", "infinity", "2026-11-27 21:40:00+05:30:15 BC");
        for (String text : unusual) {
            assertThat(DateTimeFormat.ISODateTimeFormat.parseUsualForm(text)).as(text).isNull();
            assertThat(parse(text)).as(text).isEqualTo(debezium361(text));
        }
    }

    @Test
    void readsFractionsAndOffsetsOfEveryWidthPostgresWrites() {
        assertThat(parse("2026-11-27 21:40:00.1+05:30"))
                .isEqualTo(OffsetDateTime.of(2026, 11, 27, 21, 40, 0, 100_000_000, ZoneOffset.ofHoursMinutes(5, 30)));
        assertThat(parse("2026-11-27 21:40:00.000001-03"))
                .isEqualTo(OffsetDateTime.of(2026, 11, 27, 21, 40, 0, 1_000, ZoneOffset.ofHours(-3)));
        assertThat(parse("1850-01-01 00:00:00-04:56:02"))
                .isEqualTo(OffsetDateTime.of(1850, 1, 1, 0, 0, 0, 0, ZoneOffset.ofHoursMinutesSeconds(-4, -56, -2)));
    }

    /** A timestamptz as PostgreSQL writes it (DateStyle ISO): trailing zeros of the fraction dropped, offset as short as it can be. */
    private static String postgresText(Random random) {
        int year = 1 + random.nextInt(9999);
        OffsetDateTime value = OffsetDateTime.of(year, 1 + random.nextInt(12), 1 + random.nextInt(28), random.nextInt(24),
                random.nextInt(60), random.nextInt(60), random.nextInt(1_000_000) * 1_000, ZoneOffset.UTC);
        int micros = value.getNano() / 1_000;
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%04d-%02d-%02d %02d:%02d:%02d", value.getYear(),
                value.getMonthValue(), value.getDayOfMonth(), value.getHour(), value.getMinute(), value.getSecond()));
        if (random.nextInt(4) > 0 && micros > 0) {
            String fraction = String.format(Locale.ROOT, "%06d", micros).replaceAll("0+$", "");
            text.append('.').append(fraction);
        }
        int offsetSeconds = switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> (random.nextInt(29) - 14) * 3600;
            case 2 -> (random.nextInt(2) == 0 ? -1 : 1) * (random.nextInt(14) * 3600 + (1 + random.nextInt(59)) * 60);
            default -> (random.nextInt(2) == 0 ? -1 : 1) * (random.nextInt(14) * 3600 + random.nextInt(60) * 60 + 1 + random.nextInt(59));
        };
        int abs = Math.abs(offsetSeconds);
        text.append(offsetSeconds < 0 ? '-' : '+').append(String.format(Locale.ROOT, "%02d", abs / 3600));
        if (abs % 3600 != 0) {
            text.append(String.format(Locale.ROOT, ":%02d", abs / 60 % 60));
            if (abs % 60 != 0) {
                text.append(String.format(Locale.ROOT, ":%02d", abs % 60));
            }
        }
        return text.toString();
    }

    /** The copy's result, or the name of the exception it threw. */
    private static Object parse(String text) {
        try {
            return DateTimeFormat.get().timestampWithTimeZoneToOffsetDateTime(text);
        }
        catch (RuntimeException e) {
            return e.getClass().getSimpleName();
        }
    }

    private static final DateTimeFormatter NON_ISO_LOCAL_DATE = new DateTimeFormatterBuilder()
            .appendValue(ChronoField.YEAR_OF_ERA, 4, 10, SignStyle.NEVER).appendLiteral('-')
            .appendValue(ChronoField.MONTH_OF_YEAR, 2).appendLiteral('-').appendValue(ChronoField.DAY_OF_MONTH, 2).toFormatter();

    private static DateTimeFormatter debezium361Formatter(String offsetPattern) {
        return new DateTimeFormatterBuilder().append(NON_ISO_LOCAL_DATE).appendLiteral(' ').append(DateTimeFormatter.ISO_LOCAL_TIME)
                .appendOffset(offsetPattern, "").optionalStart().appendLiteral(" ").appendText(ChronoField.ERA, TextStyle.SHORT)
                .optionalEnd().toFormatter(Locale.ENGLISH);
    }

    /** Debezium 3.6.1.Final's timestampWithTimeZoneToOffsetDateTime: the result, or the exception's name as it throws it. */
    private static Object debezium361(String text) {
        try {
            try {
                return OffsetDateTime.from(debezium361Formatter("+HH:mm").parse(text));
            }
            catch (DateTimeParseException e) {
                return OffsetDateTime.from(debezium361Formatter("+HH:MM:SS").parse(text));
            }
        }
        catch (DateTimeParseException e) {
            return "ConnectException";
        }
    }
}
