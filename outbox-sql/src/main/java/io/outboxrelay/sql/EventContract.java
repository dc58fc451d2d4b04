package io.outboxrelay.sql;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The order domain's event contract in code, what the services share instead of each other's classes: the aggregate
 * types, the event types and how amounts and timestamps are written in payloads. {@code docs/events.md} is its
 * human-readable form (payload fields, versions, who writes what); a test checks that both name the same events.
 */
public final class EventContract {

    /** Events of aggregate {@value #AGGREGATE_TYPE} (topic {@code outbox.Order}, key = order id): the order system's. */
    public static final class Order {
        public static final String AGGREGATE_TYPE = "Order";
        public static final String PLACED = "OrderPlaced";
        public static final String CANCELLED = "OrderCancelled";
        public static final List<String> EVENT_TYPES = List.of(PLACED, CANCELLED);

        private Order() {
        }
    }

    /** Events of aggregate {@value #AGGREGATE_TYPE} (topic {@code outbox.Payment}, key = order id): the payment service's. */
    public static final class Payment {
        public static final String AGGREGATE_TYPE = "Payment";
        public static final String COMPLETED = "PaymentCompleted";
        public static final String FAILED = "PaymentFailed";
        public static final String CREDIT_REJECTED = "CreditRejected";
        /** The customer paid what the payment reserved: the credit is released (issue 14). */
        public static final String SETTLED = "PaymentSettled";
        /** A cancelled order's charge was given back (issue 14). */
        public static final String REFUNDED = "PaymentRefunded";
        public static final List<String> EVENT_TYPES = List.of(COMPLETED, FAILED, CREDIT_REJECTED, SETTLED, REFUNDED);

        private Payment() {
        }
    }

    // Always three fraction digits: Instant.toString() drops them when zero, which consumers would
    // have to special-case.
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);

    private EventContract() {
    }

    /** An amount as the contract writes it: a string with exactly two decimals, never a float. */
    public static String amount(BigDecimal value) {
        // UNNECESSARY: every amount comes from numeric(12,2) columns or their products, so a third
        // decimal would be a bug to report, not to round away.
        return value.setScale(2, RoundingMode.UNNECESSARY).toPlainString();
    }

    /** A point in time as the contract writes it: ISO-8601 in UTC with milliseconds. */
    public static String timestamp(Instant instant) {
        return TIMESTAMP.format(instant);
    }
}
