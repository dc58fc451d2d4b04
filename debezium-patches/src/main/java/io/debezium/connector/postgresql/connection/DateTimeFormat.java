/*
 * Copyright Debezium Authors.
 *
 * Licensed under the Apache Software License version 2.0, available at http://www.apache.org/licenses/LICENSE-2.0
 */
package io.debezium.connector.postgresql.connection;

/*
 * outbox-relay: a copy of Debezium 3.6.1.Final's io.debezium.connector.postgresql.connection.DateTimeFormat with
 * one change: timestampWithTimeZoneToOffsetDateTime first reads PostgreSQL's usual text form of a timestamptz,
 * "yyyy-MM-dd HH:mm:ss[.f]+HH[:mm[:ss]]" (four-digit year, no era), digit by digit (parseUsualForm), and
 * hands anything else - five-digit years, " BC", a missing offset, an invalid date - to Debezium's formatters
 * as before. Same result for every input the fast path takes.
 *
 * Why: pgoutput sends column values as text; the outbox's occurred_at is parsed here once per event, on
 * Debezium's streaming thread, the relay's bottleneck. The formatter chain (optional sections, a parsed
 * TemporalAccessor map, then resolution) was about 15% of that thread's CPU samples (JFR,
 * docs/relay-profile.md). debezium-patches comes before Debezium's jars on the
 * relay's class path, so this class shadows Debezium's (README.md of this module). DateTimeFormatCopyUnitTests
 * compares both parsers; PatchedCopiesUnitTests fails when Debezium's version changes: then compare with
 * that version's DateTimeFormat, and delete this file or copy it again and re-apply the change.
 */

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.SignStyle;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;
import java.util.function.Supplier;

import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.debezium.connector.postgresql.PostgresValueConverter;

/**
 * Transformer for time/date related string representations in replication messages.
 *
 * @author Jiri Pechanec
 *
 */
public interface DateTimeFormat {

    /**
     * outbox-relay: what this copy of Debezium 3.6.1.Final's class changes. Its presence tells that this copy,
     * not Debezium's, won the class path (the relay's DebeziumPatches reads it by reflection at start).
     */
    public static final String OUTBOX_RELAY_PATCH = "PostgreSQL's usual timestamptz text read digit by digit; any other text still goes to Debezium's formatters";
    Instant timestampToInstant(String s);

    OffsetDateTime timestampWithTimeZoneToOffsetDateTime(String s);

    Instant systemTimestampToInstant(String s);

    LocalDate date(String s);

    LocalTime time(String s);

    OffsetTime timeWithTimeZone(String s);

    static DateTimeFormat get() {
        return new ISODateTimeFormat();
    }

    class ISODateTimeFormat implements DateTimeFormat {
        private static final Logger LOGGER = LoggerFactory.getLogger(ISODateTimeFormat.class);

        // This formatter is similar to standard Java's ISO_LOCAL_DATE. But this one is
        // using 'YEAR_OF_ERA + SignStyle.NEVER' instead of 'YEAR+SignStyle.EXCEEDS_PAD'
        // to support ChronoField.ERA at the end of the date string.
        private static final DateTimeFormatter NON_ISO_LOCAL_DATE = new DateTimeFormatterBuilder()
                .appendValue(ChronoField.YEAR_OF_ERA, 4, 10, SignStyle.NEVER)
                .appendLiteral('-')
                .appendValue(ChronoField.MONTH_OF_YEAR, 2)
                .appendLiteral('-')
                .appendValue(ChronoField.DAY_OF_MONTH, 2)
                .toFormatter();

        private static final String TS_FORMAT_PATTERN_HINT = "y..y-MM-dd HH:mm:ss[.S]";
        private static final DateTimeFormatter TS_FORMAT = new DateTimeFormatterBuilder()
                .append(NON_ISO_LOCAL_DATE)
                .appendLiteral(' ')
                .append(DateTimeFormatter.ISO_LOCAL_TIME)
                .optionalStart()
                .appendLiteral(" ")
                .appendText(ChronoField.ERA, TextStyle.SHORT)
                .optionalEnd()
                .toFormatter(Locale.ENGLISH);

        private static final String TS_TZ_FORMAT_PATTERN_HINT = "y..y-MM-dd HH:mm:ss[.S]X";
        private static final DateTimeFormatter TS_TZ_FORMAT = new DateTimeFormatterBuilder()
                .append(NON_ISO_LOCAL_DATE)
                .appendLiteral(' ')
                .append(DateTimeFormatter.ISO_LOCAL_TIME)
                .appendOffset("+HH:mm", "")
                .optionalStart()
                .appendLiteral(" ")
                .appendText(ChronoField.ERA, TextStyle.SHORT)
                .optionalEnd()
                .toFormatter(Locale.ENGLISH);
        private static final DateTimeFormatter TS_TZ_WITH_SECONDS_FORMAT = new DateTimeFormatterBuilder()
                .append(NON_ISO_LOCAL_DATE)
                .appendLiteral(' ')
                .append(DateTimeFormatter.ISO_LOCAL_TIME)
                .appendOffset("+HH:MM:SS", "")
                .optionalStart()
                .appendLiteral(" ")
                .appendText(ChronoField.ERA, TextStyle.SHORT)
                .optionalEnd()
                .toFormatter(Locale.ENGLISH);

        private static final String SYSTEM_TS_FORMAT_PATTERN_HINT = "y..y-MM-dd HH:mm:ss.SSSSSSX";
        private static final DateTimeFormatter SYSTEM_TS_FORMAT = new DateTimeFormatterBuilder()
                .append(NON_ISO_LOCAL_DATE)
                .appendLiteral(' ')
                .append(DateTimeFormatter.ISO_LOCAL_TIME)
                .appendOffset("+HH:mm", "Z")
                .optionalStart()
                .appendLiteral(" ")
                .appendText(ChronoField.ERA, TextStyle.SHORT)
                .optionalEnd()
                .toFormatter(Locale.ENGLISH);

        private static final String DATE_FORMAT_OPT_ERA_PATTERN_HINT = "y..y-MM-dd[ GG]";
        private static final DateTimeFormatter DATE_FORMAT_OPT_ERA = new DateTimeFormatterBuilder()
                .append(NON_ISO_LOCAL_DATE)
                .optionalStart()
                .appendLiteral(' ')
                .appendText(ChronoField.ERA, TextStyle.SHORT)
                .optionalEnd()
                .toFormatter(Locale.ENGLISH);

        private static final String TIME_FORMAT_PATTERN = "HH:mm:ss[.S]";
        private static final DateTimeFormatter TIME_FORMAT = new DateTimeFormatterBuilder()
                .appendPattern("HH:mm:ss")
                .optionalStart()
                .appendFraction(ChronoField.MICRO_OF_SECOND, 0, 6, true)
                .optionalEnd()
                .toFormatter();

        private static final String TIME_TZ_FORMAT_PATTERN = "HH:mm:ss[.S]X";
        private static final DateTimeFormatter TIME_TZ_FORMAT = new DateTimeFormatterBuilder()
                .append(DateTimeFormatter.ISO_LOCAL_TIME)
                .appendOffset("+HH:mm", "")
                .toFormatter();

        @Override
        public LocalDate date(final String s) {
            return format(DATE_FORMAT_OPT_ERA_PATTERN_HINT, s, () -> {
                if ("infinity".equals(s)) {
                    return PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE;
                }
                else if ("-infinity".equals(s)) {
                    return PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE;
                }
                else {
                    return LocalDate.parse(s, DATE_FORMAT_OPT_ERA);
                }
            });
        }

        @Override
        public LocalTime time(final String s) {
            return format(TIME_FORMAT_PATTERN, s, () -> LocalTime.parse(s, TIME_FORMAT));
        }

        @Override
        public OffsetTime timeWithTimeZone(final String s) {
            return format(TIME_TZ_FORMAT_PATTERN, s, () -> OffsetTime.parse(s, TIME_TZ_FORMAT)).withOffsetSameInstant(ZoneOffset.UTC);
        }

        private <T> T format(final String pattern, final String s, final Supplier<T> value) {
            try {
                return value.get();
            }
            catch (final DateTimeParseException e) {
                LOGGER.error("Cannot parse time/date value '{}', expected format '{}'", s, pattern);
                throw new ConnectException(e);
            }
        }

        @Override
        public Instant timestampToInstant(String s) {
            return format(TS_FORMAT_PATTERN_HINT, s, () -> LocalDateTime.from(TS_FORMAT.parse(s)).toInstant(ZoneOffset.UTC));
        }

        @Override
        public OffsetDateTime timestampWithTimeZoneToOffsetDateTime(String s) {
            OffsetDateTime usual = parseUsualForm(s);
            return usual != null ? usual : timestampWithTimeZoneByFormatter(s);
        }

        private static final int[] NANOS_PER_DIGIT = { 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1 };

        /**
         * outbox-relay: "yyyy-MM-dd HH:mm:ss[.f{1,9}]{+|-}HH[:mm[:ss]]" read without a formatter, or null when
         * s is not exactly that (or not a valid date-time), for Debezium's formatters to decide.
         */
        static OffsetDateTime parseUsualForm(String s) {
            int n = s.length();
            if (n < 22 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != ' ' || s.charAt(13) != ':' || s.charAt(16) != ':') {
                return null;
            }
            int year = digits(s, 0, 4);
            int month = digits(s, 5, 2);
            int day = digits(s, 8, 2);
            int hour = digits(s, 11, 2);
            int minute = digits(s, 14, 2);
            int second = digits(s, 17, 2);
            if ((year | month | day | hour | minute | second) < 0 || year == 0) {
                return null;
            }
            int i = 19;
            int nanos = 0;
            if (s.charAt(i) == '.') {
                int start = ++i;
                while (i < n && i - start < 9 && isDigit(s.charAt(i))) {
                    nanos += (s.charAt(i) - '0') * NANOS_PER_DIGIT[i - start];
                    i++;
                }
                if (i == start || (i < n && isDigit(s.charAt(i)))) {
                    return null;
                }
            }
            if (i + 3 > n || (s.charAt(i) != '+' && s.charAt(i) != '-')) {
                return null;
            }
            int sign = s.charAt(i) == '-' ? -1 : 1;
            int offsetHours = digits(s, i + 1, 2);
            int offsetMinutes = 0;
            int offsetSeconds = 0;
            i += 3;
            if (i < n) {
                offsetMinutes = i + 3 <= n && s.charAt(i) == ':' ? digits(s, i + 1, 2) : -1;
                i += 3;
                if (i < n) {
                    offsetSeconds = i + 3 == n && s.charAt(i) == ':' ? digits(s, i + 1, 2) : -1;
                    i += 3;
                }
            }
            if (i != n || (offsetHours | offsetMinutes | offsetSeconds) < 0) {
                return null;
            }
            try {
                return OffsetDateTime.of(year, month, day, hour, minute, second, nanos,
                        ZoneOffset.ofHoursMinutesSeconds(sign * offsetHours, sign * offsetMinutes, sign * offsetSeconds));
            }
            catch (java.time.DateTimeException e) {
                return null;
            }
        }

        /** outbox-relay: the value of count decimal digits at from, or -1 if any is not a digit. */
        private static int digits(String s, int from, int count) {
            int value = 0;
            for (int i = from; i < from + count; i++) {
                char c = s.charAt(i);
                if (!isDigit(c)) {
                    return -1;
                }
                value = value * 10 + (c - '0');
            }
            return value;
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        /** Debezium 3.6.1.Final's timestampWithTimeZoneToOffsetDateTime, unchanged. */
        OffsetDateTime timestampWithTimeZoneByFormatter(String s) {
            return format(TS_TZ_FORMAT_PATTERN_HINT, s, () -> {
                TemporalAccessor parsedTimestamp;
                // Usually the timestamp contains only hour offset and optionally minutes
                // For very large negative timestamps the offset could contain seconds
                // The standard parsing library does not allow both optional minutes and seconds in offset,
                // so it is necessary to parse it with optional minutes and if that fails then retyr with
                // seconds
                try {
                    parsedTimestamp = TS_TZ_FORMAT.parse(s);
                }
                catch (DateTimeParseException e) {
                    parsedTimestamp = TS_TZ_WITH_SECONDS_FORMAT.parse(s);
                }
                return OffsetDateTime.from(parsedTimestamp);
            });
        }

        @Override
        public Instant systemTimestampToInstant(String s) {
            return format(SYSTEM_TS_FORMAT_PATTERN_HINT, s, () -> OffsetDateTime.from(SYSTEM_TS_FORMAT.parse(s)).toInstant());
        }
    }
}
