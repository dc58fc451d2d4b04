package io.outboxrelay.relay.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventRateUnitTests {

    private static final long SECOND = 1_000_000_000L;
    private final EventRate rate = new EventRate();

    @Test
    void isZeroWithoutSamples() {
        assertThat(rate.perSecond(10 * SECOND, 500)).isZero();
    }

    @Test
    void measuresFromTheOldestSampleOfTheLastMinute() {
        for (int s = 0; s <= 120; s++) {
            // 10 events/s for the first minute, then 100 events/s
            rate.sample(s * SECOND, s <= 60 ? 10L * s : 600 + 100L * (s - 60));
        }
        assertThat(rate.perSecond(120 * SECOND, 6_600)).isEqualTo(100.0);
    }

    @Test
    void startsAgainAfterReset() {
        rate.sample(0, 0);
        rate.sample(SECOND, 1_000);
        rate.reset();
        rate.sample(2 * SECOND, 0);

        assertThat(rate.perSecond(4 * SECOND, 20)).isEqualTo(10.0);
    }
}
