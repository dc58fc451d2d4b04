package io.outboxrelay.consumers.runtime;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads payload fields by the event contract (docs/events.md), rejecting what breaks it with a
 * {@link RejectedEventException} that names the field: shared by every handler.
 */
public final class Payloads {

    /** Decimal text, at most two places, at most 10 integer digits: what numeric(12,2) stores without rounding. */
    private static final Pattern AMOUNT = Pattern.compile("-?\\d{1,10}(\\.\\d{1,2})?");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

    private Payloads() {
    }

    public static UUID uuid(JsonNode payload, String field) {
        String text = text(payload, field);
        try {
            UUID uuid = UUID.fromString(text);
            if (uuid.toString().equalsIgnoreCase(text)) {
                return uuid;
            }
        } catch (IllegalArgumentException e) {
            // rejected below
        }
        throw reject(field, "is not a UUID: '" + text + "'");
    }

    /** The aggregate's version after the change: 1 for its first event. */
    public static int version(JsonNode payload) {
        JsonNode node = required(payload, "version");
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 1) {
            throw reject("version", "must be an integer >= 1, was " + node);
        }
        return node.intValue();
    }

    /** Amounts are strings like "25.00", never JSON numbers (floats lose cents). */
    public static BigDecimal amount(JsonNode payload, String field) {
        JsonNode node = required(payload, field);
        if (!node.isTextual() || !AMOUNT.matcher(node.textValue()).matches()) {
            throw reject(field, "must be a decimal string with at most two places, like \"25.00\"; was " + node);
        }
        return new BigDecimal(node.textValue()).setScale(2);
    }

    public static String currency(JsonNode payload, String field) {
        String text = text(payload, field);
        if (!CURRENCY.matcher(text).matches()) {
            throw reject(field, "must be an ISO 4217 code like EUR, was '" + text + "'");
        }
        return text;
    }

    public static Instant instant(JsonNode payload, String field) {
        String text = text(payload, field);
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw reject(field, "is not an ISO-8601 timestamp with offset: '" + text + "'");
        }
    }

    public static JsonNode array(JsonNode payload, String field) {
        JsonNode node = required(payload, field);
        if (!node.isArray()) {
            throw reject(field, "must be an array, was " + node.getNodeType());
        }
        return node;
    }

    /** Null when absent or JSON null. */
    public static String optionalText(JsonNode payload, String field) {
        JsonNode node = payload.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw reject(field, "must be a string, was " + node.getNodeType());
        }
        return node.textValue();
    }

    public static String text(JsonNode payload, String field) {
        JsonNode node = required(payload, field);
        if (!node.isTextual()) {
            throw reject(field, "must be a string, was " + node.getNodeType());
        }
        return node.textValue();
    }

    private static JsonNode required(JsonNode payload, String field) {
        JsonNode node = payload.get(field);
        if (node == null || node.isNull()) {
            throw reject(field, "is missing");
        }
        return node;
    }

    private static RejectedEventException reject(String field, String problem) {
        return new RejectedEventException("payload field '" + field + "' " + problem);
    }
}
