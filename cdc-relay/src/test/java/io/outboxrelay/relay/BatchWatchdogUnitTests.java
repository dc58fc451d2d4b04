package io.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

class BatchWatchdogUnitTests {

    private final List<String> stuck = new CopyOnWriteArrayList<>();

    @Test
    void failsOnceWhenABatchStaysInHandPastTheLimit() throws InterruptedException {
        try (BatchWatchdog watchdog = new BatchWatchdog(Duration.ofMillis(200), false, Duration.ofMillis(20), stuck::add)) {
            watchdog.batchStarted();

            await().atMost(Duration.ofSeconds(10)).until(() -> !stuck.isEmpty());
            Thread.sleep(200);
            assertThat(stuck).singleElement().asString().startsWith("a batch has been in hand for");
        }
    }

    @Test
    void failsWhenNoBatchComesForTheLimitWhileHeartbeatsAreDue() {
        try (BatchWatchdog watchdog = new BatchWatchdog(Duration.ofMillis(200), true, Duration.ofMillis(20), stuck::add)) {
            watchdog.streaming();

            await().atMost(Duration.ofSeconds(10)).until(() -> !stuck.isEmpty());
            assertThat(stuck).singleElement().asString().startsWith("no batch (not even a heartbeat) went through for");
        }
    }

    @Test
    void staysQuietBetweenBatchesWithoutHeartbeatsHoweverLongTheOutboxIsIdle() throws InterruptedException {
        try (BatchWatchdog watchdog = new BatchWatchdog(Duration.ofMillis(100), false, Duration.ofMillis(20), stuck::add)) {
            watchdog.batchStarted();
            watchdog.batchEnded();

            Thread.sleep(400);
            assertThat(stuck).isEmpty();
        }
    }

    @Test
    void reportsAWatchedProblemOnceWithinAPeriodWithoutWaitingForTheLimit() throws InterruptedException {
        java.util.concurrent.atomic.AtomicReference<String> problem = new java.util.concurrent.atomic.AtomicReference<>();
        try (BatchWatchdog watchdog = new BatchWatchdog(Duration.ofMinutes(10), true, Duration.ofMillis(20), stuck::add)) {
            watchdog.alsoWatch(problem::get, stuck::add);
            Thread.sleep(100);
            assertThat(stuck).isEmpty();

            problem.set("refused: Kafka did not acknowledge an outbox event");
            await().atMost(Duration.ofSeconds(10)).until(() -> !stuck.isEmpty());
            Thread.sleep(100);
            assertThat(stuck).containsExactly("refused: Kafka did not acknowledge an outbox event");
        }
    }
}
