package io.outboxrelay.relay.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.outboxrelay.relay.config.RelayConfig;

class StatusReportUnitTests {

    private static RelayConfig config(String host, String port) {
        Properties p = new Properties();
        p.setProperty("database.name", "orders");
        p.setProperty("database.user", "relay");
        p.setProperty("kafka.bootstrap.servers", "localhost:9092");
        p.setProperty("http.host", host);
        p.setProperty("http.port", port);
        return RelayConfig.from(p, Map.of());
    }

    @Test
    void asksTheDaemonOnThisHostWhenItListensOnEveryInterface() {
        assertThat(StatusReport.daemonUrl(config("0.0.0.0", "8080"))).hasToString("http://127.0.0.1:8080");
        assertThat(StatusReport.daemonUrl(config("10.1.2.3", "9404"))).hasToString("http://10.1.2.3:9404");
    }

    @Test
    void doesNotGuessAPickedOrDisabledPort() {
        assertThat(StatusReport.daemonUrl(config("0.0.0.0", "0"))).isNull();
        assertThat(StatusReport.daemonUrl(config("0.0.0.0", "-1"))).isNull();
    }
}
