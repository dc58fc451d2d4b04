package io.outboxrelay.consumers.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.outboxrelay.consumers.payment.PaymentGateway.ChargeResult;

class SimulatedGatewayUnitTests {

    private static final UUID CUSTOMER = UUID.randomUUID();
    private static final BigDecimal AMOUNT = new BigDecimal("12.50");

    @Test
    void sameKeyGetsTheSameAnswerAndIsChargedOnce() {
        SimulatedGateway gateway = new SimulatedGateway(0.5, Duration.ZERO, 1);
        UUID order = UUID.randomUUID();
        ChargeResult first = gateway.charge("order-" + order, order, CUSTOMER, AMOUNT);
        for (int i = 0; i < 5; i++) {
            assertThat(gateway.charge("order-" + order, order, CUSTOMER, AMOUNT)).isEqualTo(first);
        }
        assertThat(gateway.chargeCount("order-" + order)).isEqualTo(1);
        assertThat(gateway.chargedKeys()).isEqualTo(1);
        assertThat(gateway.requestCount()).isEqualTo(6);
    }

    @Test
    void answersDependOnlyOnSeedAndKey() {
        SimulatedGateway a = new SimulatedGateway(0.3, Duration.ZERO, 99);
        SimulatedGateway b = new SimulatedGateway(0.3, Duration.ZERO, 99);
        long declined = IntStream.range(0, 2000).filter(i -> {
            UUID order = new UUID(0, i);
            ChargeResult ra = a.charge("order-" + order, order, CUSTOMER, AMOUNT);
            assertThat(b.charge("order-" + order, order, CUSTOMER, AMOUNT)).isEqualTo(ra);
            return !ra.approved();
        }).count();
        assertThat(declined).isBetween(500L, 700L);
    }

    @Test
    void failureRateZeroApprovesAllAndOneDeclinesAll() {
        UUID order = UUID.randomUUID();
        assertThat(new SimulatedGateway(0.0, Duration.ZERO, 1).charge("k", order, CUSTOMER, AMOUNT).approved()).isTrue();
        ChargeResult declined = new SimulatedGateway(1.0, Duration.ZERO, 1).charge("k", order, CUSTOMER, AMOUNT);
        assertThat(declined.approved()).isFalse();
        assertThat(declined.reason()).isEqualTo("card declined (simulated)");
    }

    @Test
    void refusesAKeyReusedForAnotherAmount() {
        SimulatedGateway gateway = new SimulatedGateway(0.0, Duration.ZERO, 1);
        UUID order = UUID.randomUUID();
        gateway.charge("k", order, CUSTOMER, AMOUNT);
        assertThatThrownBy(() -> gateway.charge("k", order, CUSTOMER, new BigDecimal("13.00")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idempotency key k");
        assertThat(gateway.chargeCount("k")).isEqualTo(1);
    }

    @Test
    void rejectsFailureRateOutsideZeroToOne() {
        assertThatThrownBy(() -> new SimulatedGateway(1.5, Duration.ZERO, 1)).hasMessageContaining("failureRate");
    }

    @Test
    void outageRefusesEveryRequestAndChargesNothingUntilItEnds() {
        SimulatedGateway gateway = new SimulatedGateway(0.0, Duration.ZERO, 1);
        UUID order = UUID.randomUUID();
        gateway.setAvailable(false);
        assertThatThrownBy(() -> gateway.charge("order-" + order, order, CUSTOMER, AMOUNT))
                .isInstanceOf(PaymentGateway.UnavailableException.class);
        assertThat(gateway.chargedKeys()).isZero();
        assertThat(gateway.requestCount()).isZero();
        assertThat(gateway.refusedCount()).isEqualTo(1);
        gateway.setAvailable(true);
        assertThat(gateway.charge("order-" + order, order, CUSTOMER, AMOUNT).approved()).isTrue();
        assertThat(gateway.chargeCount("order-" + order)).isEqualTo(1);
    }

    @Test
    void refundsAnApprovedChargeOncePerKeyAndRefusesOneThatWasNotCharged() {
        SimulatedGateway gateway = new SimulatedGateway(0.0, Duration.ZERO, 1);
        UUID order = UUID.randomUUID();
        gateway.charge("order-" + order, order, CUSTOMER, AMOUNT);
        gateway.refund("refund-" + order, "order-" + order, AMOUNT);
        gateway.refund("refund-" + order, "order-" + order, AMOUNT);
        assertThat(gateway.refundCount("refund-" + order)).isEqualTo(1);
        assertThat(gateway.refundRequestCount()).isEqualTo(2);
        assertThatThrownBy(() -> gateway.refund("refund-x", "order-never-charged", AMOUNT))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
