/**
 * Downstream consumers of the relayed events: the order read model (CQRS projection), the payment
 * saga and its compensation. Empty until issue 3; consumers deduplicate on the {@code eventId}
 * header the relay writes on every record.
 */
package io.outboxrelay.consumers;
