package io.outboxrelay.consumers.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.outboxrelay.consumers.runtime.RejectedEventException;

/** Payload parsing against the contract in docs/events.md. */
class OrderPayloadsUnitTests {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ORDER = "7c0e6a3e-4a7b-4c38-9b8e-1f2a3b4c5d6e";
    private static final String CUSTOMER = "a1b2c3d4-0000-4000-8000-000000000001";
    private static final String PLACED = "{\"orderId\": \"" + ORDER + "\", \"customerId\": \"" + CUSTOMER + "\", \"version\": 1,"
            + " \"lines\": [{\"productId\": \"p-1\", \"quantity\": 2, \"unitPrice\": \"12.50\"}],"
            + " \"total\": \"25.00\", \"currency\": \"EUR\", \"placedAt\": \"2026-11-27T10:15:30.123Z\"}";

    @Test
    void readsTheContractsOrderPlacedExample() throws Exception {
        assertThat(OrderPlaced.from(JSON.readTree(PLACED))).isEqualTo(new OrderPlaced(UUID.fromString(ORDER),
                UUID.fromString(CUSTOMER), 1, 1, new BigDecimal("25.00"), "EUR", Instant.parse("2026-11-27T10:15:30.123Z")));
    }

    @Test
    void readsTheContractsOrderCancelledExample() throws Exception {
        JsonNode payload = JSON.readTree("{\"orderId\": \"" + ORDER + "\", \"customerId\": \"" + CUSTOMER + "\", \"version\": 2,"
                + " \"reason\": \"payment failed: card declined\", \"cancelledAt\": \"2026-11-27T11:15:31.456+01:00\"}");
        assertThat(OrderCancelled.from(payload)).isEqualTo(new OrderCancelled(UUID.fromString(ORDER), 2,
                "payment failed: card declined", Instant.parse("2026-11-27T10:15:31.456Z")));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "total      | 25.5                   | payload field 'total' must be a decimal string with at most two places",
            "total      | \"25.005\"             | payload field 'total' must be a decimal string with at most two places",
            "total      | \"1e3\"                | payload field 'total' must be a decimal string with at most two places",
            "total      | \"-1.00\"              | payload field 'total' is negative",
            "total      | \"12345678901.00\"     | payload field 'total' must be a decimal string with at most two places",
            "orderId    | \"7c0e\"               | payload field 'orderId' is not a UUID",
            "customerId | null                   | payload field 'customerId' is missing",
            "version    | 0                      | payload field 'version' must be an integer >= 1",
            "version    | \"1\"                  | payload field 'version' must be an integer >= 1",
            "lines      | {}                     | payload field 'lines' must be an array",
            "currency   | \"euro\"               | payload field 'currency' must be an ISO 4217 code",
            "placedAt   | \"2026-11-27 10:15\"   | payload field 'placedAt' is not an ISO-8601 timestamp"})
    void rejectsOrderPlacedThatBreaksTheContract(String field, String json, String message) throws Exception {
        ObjectNode payload = (ObjectNode) JSON.readTree(PLACED);
        payload.set(field, JSON.readTree(json));

        assertThatThrownBy(() -> OrderPlaced.from(payload))
                .isInstanceOf(RejectedEventException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void amountsWithFewerPlacesAreExactAtTwo() throws Exception {
        ObjectNode payload = (ObjectNode) JSON.readTree(PLACED);
        payload.put("total", "25");
        assertThat(OrderPlaced.from(payload).total()).isEqualTo(new BigDecimal("25.00"));
    }
}
