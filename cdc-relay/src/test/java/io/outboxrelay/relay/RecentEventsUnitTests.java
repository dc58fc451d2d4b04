package io.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class RecentEventsUnitTests {

    @Test
    void keepsTheNewestEventsAndDeadLettersNewestFirst() {
        RecentEvents recent = new RecentEvents();
        for (int i = 0; i < RecentEvents.CAPACITY + 5; i++) {
            String key = "o-" + i;
            recent.addEvent(() -> new RecentEvents.Event("outbox.Order", key, "OrderPlaced", "id-" + key, null, Instant.now()));
        }
        recent.addDeadLetter(() -> new RecentEvents.DeadLetter("aggregate_id is null or empty", "outbox.event", "bad", null, Instant.now()));

        assertThat(recent.events()).hasSize(RecentEvents.CAPACITY);
        assertThat(recent.events().get(0).key()).isEqualTo("o-" + (RecentEvents.CAPACITY + 4));
        assertThat(recent.events().get(RecentEvents.CAPACITY - 1).key()).isEqualTo("o-5");
        assertThat(recent.deadLetters()).extracting(RecentEvents.DeadLetter::eventId).containsExactly("bad");
    }

    @Test
    void cutsLongKeysAndReasonsSoThatAHostileRowCannotFillThePage() {
        RecentEvents recent = new RecentEvents();
        recent.addDeadLetter(() -> new RecentEvents.DeadLetter("r".repeat(100_000), "outbox.event", "k".repeat(5_000), null, Instant.now()));

        RecentEvents.DeadLetter kept = recent.deadLetters().get(0);
        assertThat(kept.reason()).hasSize(RecentEvents.MAX_CHARS + 3).endsWith("...");
        assertThat(kept.eventId()).hasSize(RecentEvents.MAX_CHARS + 3);
        assertThat(kept.source()).isEqualTo("outbox.event");
    }
}
