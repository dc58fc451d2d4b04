package io.outboxrelay.relay.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.outboxrelay.relay.config.DatabaseHosts;
import io.outboxrelay.relay.config.RelayConfig;

class PrimaryWatchUnitTests {

    @Test
    void aPrimaryGoneWithNoHostWritableWithinTheStartupTimeoutIsLostNamingEveryHost() throws Exception {
        int first = PrimaryUnitTests.freePort();
        int second = PrimaryUnitTests.freePort();
        RelayConfig config = PrimaryUnitTests.config("127.0.0.1:" + first + ",127.0.0.1:" + second,
                Map.of("startup.timeout.ms", "1500"));
        CompletableFuture<String> lost = new CompletableFuture<>();
        CompletableFuture<DatabaseHosts.Host> moved = new CompletableFuture<>();
        long started = System.nanoTime();
        try (PrimaryWatch watch = PrimaryWatch.start(config, new DatabaseHosts.Host("127.0.0.1", first), moved::complete,
                lost::complete)) {
            String reason = lost.get(30, TimeUnit.SECONDS);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isGreaterThanOrEqualTo(1500);
            assertThat(reason).startsWith("lost PostgreSQL primary 127.0.0.1:" + first + " and no host in database.host"
                    + " became writable within 1500 ms (startup.timeout.ms): 127.0.0.1:" + first + " unreachable (")
                    .contains("; 127.0.0.1:" + second + " unreachable (")
                    .doesNotContain("secret");
            assertThat(moved).isNotDone();
        }
    }
}
