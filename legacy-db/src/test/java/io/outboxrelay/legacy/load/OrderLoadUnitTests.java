package io.outboxrelay.legacy.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

class OrderLoadUnitTests {

    @Test
    void progressLineShowsCountTargetAndRate() {
        assertThat(OrderLoad.progressLine(1200, 5000, Duration.ofMillis(2912))).isEqualTo("placed 1,200/5,000 orders (412/s)");
        assertThat(OrderLoad.progressLine(1200, 0, Duration.ofSeconds(3))).isEqualTo("placed 1,200 orders (400/s)");
        assertThat(OrderLoad.progressLine(0, 10, Duration.ZERO)).isEqualTo("placed 0/10 orders (0/s)");
    }

    @Test
    void planRejectsWhatCannotRun() {
        assertThatThrownBy(() -> new OrderLoad.Plan(10, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OrderLoad.Plan(-1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OrderLoad.Plan(10, 1, -5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OrderLoad.Plan(10, 1, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OrderLoad.Plan(10, 1, Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pacerSpreadsOrdersEvenlyOverTheSecond() {
        Pacer pacer = new Pacer(4, 1_000);

        assertThat(pacer.dueNanos(0)).isEqualTo(1_000);
        assertThat(pacer.dueNanos(1)).isEqualTo(250_001_000);
        assertThat(pacer.dueNanos(8)).isEqualTo(2_000_001_000);
        assertThat(new Pacer(0, 1_000).dueNanos(1_000_000)).as("no pacing").isEqualTo(1_000);
    }

    @Test
    void pacerStopsWaitingWhenTheLoadIsStopped() throws InterruptedException {
        Pacer pacer = new Pacer(0.001, System.nanoTime());
        CountDownLatch stop = new CountDownLatch(1);

        assertThat(pacer.awaitTurn(0, stop)).isTrue();
        stop.countDown();
        long before = System.nanoTime();
        assertThat(pacer.awaitTurn(1, stop)).as("due in 1000 s, but stopped").isFalse();
        assertThat(System.nanoTime() - before).isLessThan(Duration.ofSeconds(1).toNanos());
    }
}
