/*
 * Copyright Debezium Authors.
 *
 * Licensed under the Apache Software License version 2.0, available at http://www.apache.org/licenses/LICENSE-2.0
 */
package io.debezium.time;

/*
 * outbox-relay: a copy of Debezium 3.6.1.Final's io.debezium.time.ZonedTimestamp with two changes: the
 * formatters for an exact number of fractional digits (1-9) are built once and kept, instead of three
 * DateTimeFormatterBuilder chains per call; and a ZonedDateTime of year 0-9999 with such a width is written
 * digit by digit (formatWithWidth) instead of through that formatter. The output is the same
 * (PatchedCopiesUnitTests compares it with Debezium's per-call formatter).
 *
 * Why: every timestamptz column value (the outbox's occurred_at) is formatted through
 * toIsoString(ZonedDateTime, adjuster, width) with the column's precision, 6; profiled with JFR, building the
 * formatter was about a tenth of the CPU time of Debezium's streaming thread, the relay's bottleneck. debezium-patches
 * comes before Debezium's jars on the relay's class path, so this class shadows Debezium's (README.md of this
 * module). PatchedCopiesUnitTests fails when Debezium's version changes: then compare with that version's
 * ZonedTimestamp, and delete this file or copy it again and re-apply the change.
 */

import static java.time.format.DateTimeFormatter.ISO_LOCAL_DATE;
import static java.time.temporal.ChronoField.NANO_OF_SECOND;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAdjuster;
import java.util.Locale;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * A utility for converting various Java time representations into the {@link SchemaBuilder#string() STRING} representation of
 * the time and date in a particular time zone, and for defining a Kafka Connect {@link Schema} for zoned timestamp values.
 * <p>
 * The ISO date-time format includes the date, time (including fractional parts), and offset from UTC, such as
 * '2011-12-03T10:15:30+01:00'.
 *
 * @author Randall Hauch
 * @see Timestamp
 * @see MicroTimestamp
 * @see NanoTimestamp
 * @see ZonedTime
 */
public class ZonedTimestamp {

    /**
     * outbox-relay: what this copy of Debezium 3.6.1.Final's class changes. Its presence tells that this copy,
     * not Debezium's, won the class path (the relay's DebeziumPatches reads it by reflection at start).
     */
    public static final String OUTBOX_RELAY_PATCH = "exact-width formatters built once, years 0-9999 written digit by digit, instead of three formatter chains per timestamptz value";

    /**
     * The ISO date-time format includes the date, time (including fractional parts), and offset from UTC, such as
     * '2011-12-03T10:15:30.030431+01:00'.
     */
    public static final DateTimeFormatter FORMATTER = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

    /**
     * Returns a {@link DateTimeFormatter} that ensures that exactly fractionalWidth number of digits are present
     * in the nanosecond part of the datetime. If fractionWidth is null, then
     * {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} formatter is used, which can have anywhere from 0-9 digits in the
     * nanosecond part.
     *
     * @param fractionalWidth the optional component that specifies the exact number of digits to be present in a zoneddatetime
     *                        formatted string.
     * @return {@link DateTimeFormatter} containing exactly fractionalWidth number of digits in nanosecond part of the
     * datetime. If null, {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} formatter is used, which can have anywhere
     * from 0-9 digits in the nanosecond part.
     */
    private static DateTimeFormatter getDateTimeFormatter(Integer fractionalWidth) {
        // TIMESTAMP type passes fractionalWidth as -1.
        // Java DateTimeFormatter supports 9 as maximum fraction
        if (fractionalWidth == null || fractionalWidth <= 0 || fractionalWidth > 9) {
            return FORMATTER;
        }
        return FORMATTERS_BY_WIDTH[fractionalWidth];
    }

    /** outbox-relay: index = exact number of fractional digits, 1-9 (index 0 unused). */
    private static final DateTimeFormatter[] FORMATTERS_BY_WIDTH = new DateTimeFormatter[10];

    static {
        for (int width = 1; width <= 9; width++) {
            FORMATTERS_BY_WIDTH[width] = buildDateTimeFormatter(width);
        }
    }

    private static DateTimeFormatter buildDateTimeFormatter(int fractionalWidth) {
        final DateTimeFormatter timeFormatter = new DateTimeFormatterBuilder()
                .appendValue(ChronoField.HOUR_OF_DAY, 2)
                .appendLiteral(':')
                .appendValue(ChronoField.MINUTE_OF_HOUR, 2)
                .optionalStart()
                .appendLiteral(':')
                .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
                .optionalStart()
                .appendFraction(NANO_OF_SECOND, fractionalWidth, fractionalWidth, true)
                .toFormatter(Locale.ENGLISH);

        final DateTimeFormatter dateTimeFormatter = new DateTimeFormatterBuilder()
                .parseCaseInsensitive()
                .append(ISO_LOCAL_DATE)
                .appendLiteral('T')
                .append(timeFormatter)
                .toFormatter(Locale.ENGLISH);

        return new DateTimeFormatterBuilder()
                .parseCaseInsensitive()
                .append(dateTimeFormatter)
                .parseLenient()
                .appendOffsetId()
                .parseStrict()
                .toFormatter(Locale.ENGLISH);
    }

    public static final String SCHEMA_NAME = "io.debezium.time.ZonedTimestamp";

    /**
     * Returns a {@link SchemaBuilder} for a {@link ZonedTimestamp}. You can use the resulting SchemaBuilder
     * to set additional schema settings such as required/optional, default value, and documentation.
     *
     * @return the schema builder
     */
    public static SchemaBuilder builder() {
        return SchemaBuilder.string()
                .name(SCHEMA_NAME)
                .version(1);
    }

    /**
     * Returns a Schema for a {@link ZonedTimestamp} but with all other default Schema settings.
     *
     * @return the schema
     * @see #builder()
     */
    public static Schema schema() {
        return builder().build();
    }

    /**
     * Get the ISO 8601 formatted representation of the given {@link java.time.LocalDateTime}, {@link java.time.LocalDate},
     * {@link java.time.LocalTime}, {@link java.util.Date}, {@link java.sql.Date}, {@link java.sql.Time},
     * {@link java.sql.Timestamp}, {@link OffsetTime}, or {@link OffsetDateTime}, ignoring any date portions of the supplied
     * value.
     *
     * @param value the local or SQL date, time, or timestamp value; may not be null
     * @param defaultZone the time zone that should be used by default if the value does not have timezone information; may not be
     *            null
     * @param adjuster the optional component that adjusts the local date value before obtaining the epoch day; may be null if no
     * adjustment is necessary
     * @param fractionalWidth the optional component that specifies the exact number of digits to be present in a zoneddatetime
     *                        formatted string.
     * @return the microseconds past midnight
     * @throws IllegalArgumentException if the value is not an instance of the acceptable types
     */
    public static String toIsoString(Object value, ZoneId defaultZone, TemporalAdjuster adjuster, Integer fractionalWidth) {
        if (value instanceof String) {
            return (String) value;
        }
        if (value instanceof OffsetDateTime) {
            return toIsoString((OffsetDateTime) value, adjuster);
        }
        if (value instanceof ZonedDateTime) {
            return toIsoString((ZonedDateTime) value, adjuster, fractionalWidth);
        }
        if (value instanceof OffsetTime) {
            return toIsoString((OffsetTime) value, adjuster);
        }
        if (value instanceof java.util.Date) { // or JDBC subtypes
            return toIsoString((java.util.Date) value, defaultZone, adjuster);
        }
        throw new IllegalArgumentException(
                "Unable to convert to OffsetDateTime from unexpected value '" + value + "' of type " + value.getClass().getName());
    }

    /**
     * Get the ISO 8601 formatted representation of the given {@link OffsetDateTime}.
     *
     * @param timestamp the timestamp value
     * @param adjuster the optional component that adjusts the local date value before obtaining the epoch day; may be null if no
     * adjustment is necessary
     * @return the ISO 8601 formatted string
     */
    public static String toIsoString(OffsetDateTime timestamp, TemporalAdjuster adjuster) {
        if (adjuster != null) {
            timestamp = timestamp.with(adjuster);
        }
        return timestamp.format(FORMATTER);
    }

    /**
     * Get the ISO 8601 formatted representation of the given {@link ZonedDateTime}.
     *
     * @param timestamp the timestamp value
     * @param adjuster the optional component that adjusts the local date value before obtaining the epoch day; may be null if no
     * adjustment is necessary
     * @param fractionalWidth the optional component that specifies the exact number of digits to be present in a zoneddatetime
     *                        formatted string.
     * @return the ISO 8601 formatted string
     */
    public static String toIsoString(ZonedDateTime timestamp, TemporalAdjuster adjuster, Integer fractionalWidth) {
        if (adjuster != null) {
            timestamp = timestamp.with(adjuster);
        }
        if (fractionalWidth != null && fractionalWidth > 0 && fractionalWidth <= 9 && timestamp.getYear() >= 0 && timestamp.getYear() <= 9999) {
            return formatWithWidth(timestamp, fractionalWidth);
        }
        return timestamp.format(getDateTimeFormatter(fractionalWidth));
    }

    private static final int[] NANOS_PER_UNIT = { 1_000_000_000, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1 };

    /**
     * outbox-relay: what the exact-width formatter writes (yyyy-MM-ddTHH:mm:ss, the fraction truncated to width
     * digits, the offset as its ID: Z, +HH:MM or +HH:MM:SS), without it, for years 0-9999.
     */
    private static String formatWithWidth(ZonedDateTime timestamp, int width) {
        StringBuilder text = new StringBuilder(40);
        digits(text, timestamp.getYear(), 4).append('-');
        digits(text, timestamp.getMonthValue(), 2).append('-');
        digits(text, timestamp.getDayOfMonth(), 2).append('T');
        digits(text, timestamp.getHour(), 2).append(':');
        digits(text, timestamp.getMinute(), 2).append(':');
        digits(text, timestamp.getSecond(), 2).append('.');
        digits(text, timestamp.getNano() / NANOS_PER_UNIT[width], width);
        return text.append(timestamp.getOffset().getId()).toString();
    }

    private static StringBuilder digits(StringBuilder text, int value, int width) {
        for (int unit = NANOS_PER_UNIT[10 - width]; unit > 0; unit /= 10) {
            text.append((char) ('0' + value / unit % 10));
        }
        return text;
    }

    /**
     * Get the ISO 8601 formatted representation of the given {@link OffsetTime}.
     *
     * @param timestamp the timestamp value
     * @param adjuster the optional component that adjusts the local date value before obtaining the epoch day; may be null if no
     * adjustment is necessary
     * @return the ISO 8601 formatted string
     */
    public static String toIsoString(OffsetTime timestamp, TemporalAdjuster adjuster) {
        if (adjuster != null) {
            timestamp = timestamp.with(adjuster);
        }
        return timestamp.format(FORMATTER);
    }

    /**
     * Get the ISO 8601 formatted representation of the given {@link java.util.Date} or one of its JDBC subclasses, using
     * the supplied timezone information.
     *
     * @param timestamp the timestamp value
     * @param zoneId the timezone identifier or offset where the timestamp is defined
     * @param adjuster the optional component that adjusts the local date value before obtaining the epoch day; may be null if no
     * adjustment is necessary
     * @return the ISO 8601 formatted string
     */
    public static String toIsoString(java.util.Date timestamp, ZoneId zoneId, TemporalAdjuster adjuster) {
        if (timestamp instanceof java.sql.Timestamp) {
            return toIsoString((java.sql.Timestamp) timestamp, zoneId, adjuster);
        }
        if (timestamp instanceof java.sql.Date) {
            return toIsoString((java.sql.Date) timestamp, zoneId, adjuster);
        }
        if (timestamp instanceof java.sql.Time) {
            return toIsoString((java.sql.Time) timestamp, zoneId, adjuster);
        }
        return timestamp.toInstant().atZone(zoneId).format(FORMATTER);
    }

    /**
     * Get the ISO 8601 formatted representation of the given {@link java.sql.Timestamp}, which contains a date and time but
     * has no timezone information.
     *
     * @param timestamp the JDBC timestamp value
     * @param zoneId the timezone identifier or offset where the timestamp is defined
     * @param adjuster the optional component that adjusts the local date value before obtaining the epoch day; may be null if no
     * adjustment is necessary
     * @return the ISO 8601 formatted string
     */
    public static String toIsoString(java.sql.Timestamp timestamp, ZoneId zoneId, TemporalAdjuster adjuster) {
        Instant instant = timestamp.toInstant();
        if (adjuster != null) {
            instant = instant.with(adjuster);
        }
        ZonedDateTime zdt = instant.atZone(zoneId);
        return zdt.format(FORMATTER);
    }

    /**
     * Get the ISO 8601 formatted representation of the given {@link java.sql.Date}, which contains a date but no time or
     * timezone information.
     *
     * @param date the date value
     * @param zoneId the timezone identifier or offset where the date is defined
     * @param adjuster the optional component that adjusts the local date value before obtaining the epoch day; may be null if no
     * adjustment is necessary
     * @return the ISO 8601 formatted string
     */
    public static String toIsoString(java.sql.Date date, ZoneId zoneId, TemporalAdjuster adjuster) {
        LocalDate localDate = date.toLocalDate();
        if (adjuster != null) {
            localDate = localDate.with(adjuster);
        }
        ZonedDateTime zdt = ZonedDateTime.of(localDate, LocalTime.MIDNIGHT, zoneId);
        return zdt.format(FORMATTER);
    }

    /**
     * Get the ISO 8601 formatted representation of the given {@link java.sql.Time}, which contains time but no date or timezone
     * information.
     *
     * @param time the JDBC time value
     * @param zoneId the timezone identifier or offset where the time is defined
     * @param adjuster the optional component that adjusts the local date value before obtaining the epoch day; may be null if no
     * adjustment is necessary
     * @return the ISO 8601 formatted string
     */
    public static String toIsoString(java.sql.Time time, ZoneId zoneId, TemporalAdjuster adjuster) {
        LocalTime localTime = time.toLocalTime();
        if (adjuster != null) {
            localTime = localTime.with(adjuster);
        }
        ZonedDateTime zdt = ZonedDateTime.of(Conversions.EPOCH, localTime, zoneId);
        return zdt.format(FORMATTER);
    }

    private ZonedTimestamp() {
    }
}
