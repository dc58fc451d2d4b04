/**
 * What operators see of a consumer process: {@link io.outboxrelay.consumers.ops.ConsumerEndpoint}
 * serves Prometheus metrics, liveness and readiness probes and a status document over HTTP, from the
 * consumers' own state and meters (no query to Kafka or the database at request time).
 */
package io.outboxrelay.consumers.ops;
