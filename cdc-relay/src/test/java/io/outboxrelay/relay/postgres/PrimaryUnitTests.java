package io.outboxrelay.relay.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.outboxrelay.relay.config.DatabaseHosts;
import io.outboxrelay.relay.config.RelayConfig;

class PrimaryUnitTests {

    @Test
    void withNoHostAnsweringTheSearchEndsAtItsDeadlineNamingWhatEachHostWas() throws Exception {
        int first = freePort();
        int second = freePort();
        RelayConfig config = config("127.0.0.1:" + first + ",127.0.0.1:" + second);
        long started = System.nanoTime();
        assertThatThrownBy(() -> Primary.find(config, "relay", "secret", Duration.ofMillis(1500)))
                .isInstanceOf(Primary.NotFoundException.class)
                .hasMessageStartingWith("no host in database.host is a writable PostgreSQL after 1500 ms (127.0.0.1:" + first
                        + " unreachable (")
                .hasMessageContaining("; 127.0.0.1:" + second + " unreachable (")
                .hasMessageEndingWith("): promote a standby, or correct database.host")
                .hasMessageNotContaining("secret");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void oneHostIsTakenAsItIsWithoutAsking() throws Exception {
        int port = freePort();
        assertThat(Primary.find(config("127.0.0.1:" + port))).isEqualTo(new DatabaseHosts.Host("127.0.0.1", port));
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static RelayConfig config(String hosts) {
        return config(hosts, Map.of());
    }

    /** A configuration naming {@code hosts}, with password "secret" (never to be shown), and {@code more}. */
    static RelayConfig config(String hosts, Map<String, String> more) {
        Properties p = new Properties();
        p.setProperty("database.host", hosts);
        p.setProperty("database.name", "orders");
        p.setProperty("database.user", "relay");
        p.setProperty("database.password", "secret");
        p.setProperty("kafka.bootstrap.servers", "localhost:9092");
        p.putAll(more);
        return RelayConfig.from(p, Map.of());
    }
}
