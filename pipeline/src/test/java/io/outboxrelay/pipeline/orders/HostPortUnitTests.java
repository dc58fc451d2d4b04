package io.outboxrelay.pipeline.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.outboxrelay.pipeline.PipelineCli;
import picocli.CommandLine;

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

    @Test
    void aBadPostgresAddressIsAUsageErrorNamingTheOptionNotAStackTrace() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new PipelineCli()).setErr(new PrintWriter(err));
        int exit = cli.execute("consumers", "--postgres", "db:abc", "--kafka", "kafka:9092");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--postgres'")
                .contains("'db:abc' is not HOST or HOST:PORT (e.g. db:5432): the port must be a number from 1 to 65535")
                .doesNotContain("at io.outboxrelay");
    }
}
