package io.outboxrelay.legacy.order;

import java.math.BigDecimal;
import java.util.UUID;

/** A row of legacy.customers. The credit limit is for the payment processor; placing an order ignores it. */
public record Customer(UUID id, String name, BigDecimal creditLimit) {
}
