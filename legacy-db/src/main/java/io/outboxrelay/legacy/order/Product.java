package io.outboxrelay.legacy.order;

import java.math.BigDecimal;
import java.util.UUID;

/** A row of legacy.products. */
public record Product(UUID id, String name, BigDecimal price) {
}
