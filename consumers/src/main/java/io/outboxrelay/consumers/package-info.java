/**
 * Downstream consumers of the relayed events. {@code runtime} is the consume loop they share
 * (idempotent handling in one database transaction, dead letters, retries); {@code projection} is
 * the order read model. The payment processor and its compensation follow on the same runtime.
 */
package io.outboxrelay.consumers;
