package io.outboxrelay.pipeline.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortUnitTests {

    @ParameterizedTest
    @CsvSource({"db:6543, db, 6543", "db, db, 5432", "10.0.0.5:5433, 10.0.0.5, 5433", "'[::1]:6000', ::1, 6000", "'[fe80::1]', fe80::1, 5432",
            "' db.example.com:5432 ', db.example.com, 5432"})
    void parsesHostAndPortWithPostgresPortAsDefault(String text, String host, int port) {
        assertThat(HostPort.parse(text, HostPort.POSTGRES_PORT)).isEqualTo(new HostPort(host, port));
    }

    @ParameterizedTest
    @ValueSource(strings = {"db:abc", "db:0", "db:70000", ":5432", "", "::1:5432", "[::1", "[::1]5432", "db:"})
    void refusesWhatIsNotHostOrHostPortNamingTheExpectedForm(String text) {
        assertThatThrownBy(() -> HostPort.parse(text, HostPort.POSTGRES_PORT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'" + text + "' is not HOST or HOST:PORT (e.g. db:5432): ");
    }
}
