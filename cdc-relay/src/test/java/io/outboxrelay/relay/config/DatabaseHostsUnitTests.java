package io.outboxrelay.relay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

class DatabaseHostsUnitTests {

    @Test
    void severalHostsTakeTheirOwnPortsOrDatabasePort() {
        RelayConfig config = config("db1:5433, db2 ,[::1]:6000", "5999");
        assertThat(config.databaseHosts().hosts()).containsExactly(new DatabaseHosts.Host("db1", 5433),
                new DatabaseHosts.Host("db2", 5999), new DatabaseHosts.Host("[::1]", 6000));
        assertThat(config.databaseHosts().several()).isTrue();
        assertThat(config.databaseWhere()).isEqualTo("db1:5433,db2:5999,[::1]:6000/orders");
        assertThat(config.databaseHosts().jdbcUrl("orders")).isEqualTo("jdbc:postgresql://db1:5433,db2:5999,[::1]:6000/orders");
    }

    @Test
    void oneHostIsWhatItAlwaysWas() {
        RelayConfig config = config("localhost", "5432");
        assertThat(config.databaseHosts().hosts()).containsExactly(new DatabaseHosts.Host("localhost", 5432));
        assertThat(config.databaseHosts().several()).isFalse();
        assertThat(config.databaseWhere()).isEqualTo("localhost:5432/orders");
    }

    @Test
    void pinningToTheFoundPrimaryLeavesOneHostAndItsPort() {
        RelayConfig pinned = config("db1:5433,db2:5434", "5432").pinnedTo(new DatabaseHosts.Host("db2", 5434));
        assertThat(pinned.get(RelayConfig.DATABASE_HOST)).isEqualTo("db2");
        assertThat(pinned.getInt(RelayConfig.DATABASE_PORT)).isEqualTo(5434);
        assertThat(pinned.databaseHosts().several()).isFalse();
    }

    @Test
    void entriesThatCouldExtendTheJdbcUrlOrHaveNoHostAreRefused() {
        for (String hostile : List.of("db1,", ",db1", "db1,,db2", "db1:0", "db1:65536", "db1:54x", "db1:5432/orders?x=y",
                "db1:5432,db2/x", "db1;db2", "::1:5432")) {
            assertThatThrownBy(() -> config(hostile, "5432")).as(hostile)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("database.host must be a host name, an IPv4 address or an IPv6 address in [],"
                            + " with an optional :port; several comma-separated");
        }
    }

    private static RelayConfig config(String hosts, String port) {
        Properties p = new Properties();
        p.setProperty("database.host", hosts);
        p.setProperty("database.port", port);
        p.setProperty("database.name", "orders");
        p.setProperty("database.user", "relay");
        p.setProperty("database.password", "secret");
        p.setProperty("kafka.bootstrap.servers", "localhost:9092");
        return RelayConfig.from(p, Map.of());
    }
}
