package io.outboxrelay.bench.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/** The payment bench on a few hundred payments: every one resolved, none charged twice, a replay charging none. */
class PaymentBenchIntegrationTests {

    @Test
    void resolvesEveryPaymentOnceWithAnInstantAndASlowGatewayAndItsReplayChargesNothing() throws Exception {
        try (PostgresInstance postgres = Infrastructure.startPostgres(); KafkaInstance kafka = Infrastructure.startKafka()) {
            for (Duration latency : new Duration[] {Duration.ZERO, Duration.ofMillis(20)}) {
                PaymentBench.Result r = PaymentBench.run(postgres, kafka, 300, latency, System.out);
                System.out.println(r.describe());

                assertThat(r.completed() + r.failed()).isEqualTo(300);
                assertThat(r.failed()).as("about 10% declined").isBetween(10L, 60L);
                assertThat(r.chargesRequested()).isEqualTo(300);
                assertThat(r.repeatedKeys()).isZero();
                assertThat(r.replayChargesRequested()).isZero();
                assertThat(r.resolvedSeconds()).isGreaterThanOrEqualTo(r.pendingSeconds());
                assertThat(r.figures("payments_").get("payments_resolved_per_s")).isEqualTo(r.resolvedPerSecond());
            }
        }
    }
}
