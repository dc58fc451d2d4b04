package io.outboxrelay.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class HistoryUnitTests {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void chartsEventsPerSecondSinceThePreviousSampleAndStartsAgainWhenTheCountDoes() {
        History history = new History("lag_seconds", "wal_retained_bytes", "slot_lag_bytes");
        history.sample(1_000, 0, 100, null, null, null);
        history.sample(2_000, SECOND, 150, 0.02, 4096L, 0L);
        history.sample(4_000, 3 * SECOND, 250, 0.03, 8192L, 512L);
        history.sample(5_000, 4 * SECOND, 10, 0.03, 8192L, 512L); // another relay counts from zero

        Map<String, Object> columns = history.columns();
        assertThat(columns.get("t")).isEqualTo(List.of(1_000L, 2_000L, 4_000L, 5_000L));
        assertThat(columns.get("events_per_second")).isEqualTo(List.of(0.0, 50.0, 50.0, 0.0));
        assertThat(columns.get("lag_seconds")).isEqualTo(java.util.Arrays.asList(null, 0.02, 0.03, 0.03));
        assertThat(columns.get("wal_retained_bytes")).isEqualTo(java.util.Arrays.asList(null, 4096L, 8192L, 8192L));
    }

    @Test
    void keepsFifteenMinutesOfSamples() {
        History history = new History("lag_seconds", "wal_retained_bytes", "slot_lag_bytes");
        for (int i = 0; i < History.SAMPLES + 10; i++) {
            history.sample(i * 1_000L, i * SECOND, i, null, null, null);
        }
        List<?> t = (List<?>) history.columns().get("t");
        assertThat(t).hasSize(15 * 60).first().isEqualTo(10_000L);
    }

    @Test
    void aSampleWithoutAValueForEverySeriesIsRefused() {
        History history = new History("lag_events", "lag_seconds");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> history.sample(1_000, 0, 1, 0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a sample of [lag_events, lag_seconds] needs 2 values, not 1");
    }
}
