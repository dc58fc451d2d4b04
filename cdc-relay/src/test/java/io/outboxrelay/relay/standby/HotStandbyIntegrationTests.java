package io.outboxrelay.relay.standby;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.relay.testsupport.Delivery;
import io.outboxrelay.relay.testsupport.OpsHttp;
import io.outboxrelay.relay.testsupport.RelayFixture;
import io.outboxrelay.relay.testsupport.RelayProcesses;
import io.outboxrelay.relay.testsupport.SharedInfrastructure;
import io.outboxrelay.relay.testsupport.TestRunLogs;

/**
 * Scenario 8: two relay processes for one slot with standby=true, started together. One streams,
 * the other waits (STANDBY: live, not ready) and takes over by itself when the first is killed,
 * losing nothing.
 */
class HotStandbyIntegrationTests {

    @TempDir
    Path dir;

    @Test
    void standbyTakesOverAfterTheActiveRelayIsKilledAndNothingIsLost() throws Exception {
        RelayFixture fixture = SharedInfrastructure.newFixture();
        Path config = dir.resolve("relay.properties");
        try (Writer w = Files.newBufferedWriter(config)) {
            fixture.relayProperties(Map.of("standby", "true")).store(w, null);
        }
        // both at once, racing for the free slot: one streams, the other stands by
        Path firstLog = TestRunLogs.file("hot-standby-1.log");
        Path secondLog = TestRunLogs.file("hot-standby-2.log");
        Process first = RelayProcesses.start(config, firstLog);
        Process second = RelayProcesses.start(config, secondLog);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                .until(() -> RelayProcesses.logged(first, firstLog, "Relay state RUNNING") || RelayProcesses.logged(second, secondLog, "Relay state RUNNING"));
        boolean firstWon = RelayProcesses.logged(first, firstLog, "Relay state RUNNING");
        Process active = firstWon ? first : second;
        Process standby = firstWon ? second : first;
        Path standbyLog = firstWon ? secondLog : firstLog;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> RelayProcesses.logged(standby, standbyLog, "Standing by: "));
        assertThat(Files.readString(standbyLog)).doesNotContain("Relay state STARTING");
        URI standbyHttp = URI.create("http://127.0.0.1:" + RelayProcesses.httpPort(standbyLog));
        assertThat(OpsHttp.get(standbyHttp, "/health/ready")).isEqualTo(new OpsHttp.Response(503, "STANDBY\n"));
        assertThat(OpsHttp.get(standbyHttp, "/health/live").status()).isEqualTo(200);

        SteadyLoad load = new SteadyLoad(fixture);
        List<String> topics = fixture.sampleTopics();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> fixture.endOffsetSum(topics) >= 100);
            long killedAt = System.nanoTime();
            active.destroyForcibly(); // SIGKILL
            assertThat(active.waitFor(30, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> RelayProcesses.logged(standby, standbyLog, "Relay state RUNNING"));
            long runningAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> eventsRelayed(standbyHttp) > 0);
            long firstEventAt = System.nanoTime();
            System.out.printf("hot standby: SIGKILL of the active relay to the standby RUNNING %d ms, to its first relayed event %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(runningAt - killedAt), TimeUnit.NANOSECONDS.toMillis(firstEventAt - killedAt));
        }
        finally {
            load.stop();
        }
        SampleEventLoad.Result written = Delivery.merge(load.results);
        Delivery delivery = Delivery.awaitNothingLost(fixture, List.of(written));
        System.out.printf("hot standby: %d events under load across the takeover, %d re-sent after the kill (%s)%n",
                written.committed().size(), delivery.duplicateCount(), delivery);
        assertThat(OpsHttp.get(standbyHttp, "/health/ready")).isEqualTo(new OpsHttp.Response(200, "RUNNING\n"));
        standby.destroy(); // SIGTERM
        assertThat(standby.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(standby.exitValue()).as(Files.readString(standbyLog)).isEqualTo(RelayCli.EXIT_OK);
        assertThat(delivery.fromRolledBack).isEmpty();
        assertThat(delivery.misrouted).isEmpty();
        assertThat(delivery.orderViolations).isEmpty();
        assertThat(delivery.duplicates.values()).as("re-sent once at most").allMatch(n -> n == 1);
    }

    /** Small transactions from two writers, a few hundred events a second, until stopped. */
    static final class SteadyLoad {
        final List<SampleEventLoad.Result> results = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final CompletableFuture<Void> done;

        SteadyLoad(RelayFixture fixture) {
            SampleEventLoad load = new SampleEventLoad(fixture.dataSource());
            done = CompletableFuture.runAsync(() -> {
                try {
                    while (running.get()) {
                        results.add(load.run(new SampleEventLoad.Plan(50, 2, 1, 10, 10, 40, 100), n -> { }));
                        Thread.sleep(100);
                    }
                }
                catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> new Thread(runnable, "steady-load").start());
        }

        void stop() throws Exception {
            running.set(false);
            done.get(60, TimeUnit.SECONDS);
        }
    }

    static long eventsRelayed(URI base) throws IOException, InterruptedException {
        return new ObjectMapper().readTree(OpsHttp.get(base, "/status").body()).get("events_relayed").asLong();
    }
}
