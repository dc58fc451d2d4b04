package io.outboxrelay.faults;

/**
 * The fault scenarios of {@link FaultInjectionIntegrationTests} with {@code delivery.guarantee=exactly-once}: each batch's
 * events and the relay's position in one Kafka transaction. Read as a {@code read_committed} reader does (the delivery
 * check and the probe), every scenario must deliver nothing twice, besides losing nothing and keeping each aggregate's
 * order. Results in {@code fault-results-exactly-once.json}, relay logs in {@code fault-logs-exactly-once}.
 */
class ExactlyOnceFaultInjectionIntegrationTests extends FaultInjectionIntegrationTests {

    @Override
    String deliveryGuarantee() {
        return "exactly-once";
    }

    @Override
    String suffix() {
        return "-exactly-once";
    }
}
