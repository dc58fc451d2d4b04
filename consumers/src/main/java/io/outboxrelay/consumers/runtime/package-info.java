/**
 * The consumer runtime: {@link io.outboxrelay.consumers.runtime.EventConsumer} reads relayed
 * events from Kafka and hands each one to an {@link io.outboxrelay.consumers.runtime.EventHandler}
 * inside one database transaction that also records the event id, so redelivery has no effect.
 *
 * <p>Where a record goes, in three clicks: {@code EventConsumer} polls it and commits its offset;
 * {@code RecordProcessor} decides (handle, ignore or dead-letter) and retries transient SQL errors;
 * {@code IdempotentTransaction} runs the handler and the processed-event insert in one transaction.
 * {@code ConsumerMetrics} and {@code ConsumerLag} (per partition) keep the meters that
 * {@link io.outboxrelay.consumers.ops.ConsumerEndpoint} serves.
 */
package io.outboxrelay.consumers.runtime;
