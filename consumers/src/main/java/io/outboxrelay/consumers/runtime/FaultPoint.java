package io.outboxrelay.consumers.runtime;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * <b>Test only.</b> The place where a fault-injection test stops a consumer's JVM in the one window
 * the runtime's delivery guarantee is about: right after a batch's database transaction committed,
 * before its Kafka offsets are committed. Redelivery then has to be harmless.
 *
 * <p>Configured only by the system property {@value #HALT_AFTER_COMMIT} of the consumer's JVM: a
 * positive {@code n} halts the JVM ({@link Runtime#halt}, no shutdown hooks, like SIGKILL) with exit
 * status {@value #HALT_STATUS} right after the database commit that brings the records committed to
 * {@code n} or more (a commit applies a batch), counted over every consumer in the JVM. Without the property the point is a constant no-op, which the JIT removes.
 * Never set it in production.
 */
interface FaultPoint {

    String HALT_AFTER_COMMIT = "outbox.fault.halt-after-commit";
    /** The exit status of a JVM halted here, so a test tells it from a crash. */
    int HALT_STATUS = 86;

    FaultPoint NONE = records -> { };

    /** What this JVM's system properties ask for, read once. */
    FaultPoint CONFIGURED = from(System.getProperty(HALT_AFTER_COMMIT), status -> Runtime.getRuntime().halt(status));

    /** Called by the consumer thread after every database commit, of {@code records} records, before the offset commit. */
    void afterDatabaseCommit(int records);

    /**
     * @param value the property's value, null when unset
     * @param halt  stops the JVM with the given status
     * @throws IllegalArgumentException naming the property if the value is not a positive integer
     */
    static FaultPoint from(String value, IntConsumer halt) {
        if (value == null || value.isBlank()) {
            return NONE;
        }
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n < 1) {
            throw new IllegalArgumentException(HALT_AFTER_COMMIT + " must be a positive integer, was '" + value + "'");
        }
        int haltAt = n;
        AtomicInteger committed = new AtomicInteger();
        AtomicBoolean halted = new AtomicBoolean();
        return records -> {
            if (committed.addAndGet(records) >= haltAt && halted.compareAndSet(false, true)) {
                System.err.println("fault point: halting after the database commit that took the records committed to "
                        + committed.get() + " (" + HALT_AFTER_COMMIT + "=" + haltAt + "), before the offset commit");
                System.err.flush();
                halt.accept(HALT_STATUS);
            }
        };
    }
}
