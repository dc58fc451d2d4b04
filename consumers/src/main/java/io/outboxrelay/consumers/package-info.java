/**
 * Downstream consumers of the relayed events. {@code runtime} is the consume loop they share
 * (idempotent handling in one database transaction, dead letters, retries); {@code projection} is
 * the order read model; {@code payment} charges each placed order once and publishes the outcome;
 * {@code compensation} cancels the orders whose payment failed or was rejected.
 */
package io.outboxrelay.consumers;
