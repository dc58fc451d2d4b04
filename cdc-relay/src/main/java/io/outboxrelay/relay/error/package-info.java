/**
 * The relay's error model: {@link io.outboxrelay.relay.error.RelayException}, the base of every error
 * a command reports as one line and an exit code. A leaf package, so that every other package can
 * depend on it without a cycle.
 */
package io.outboxrelay.relay.error;
