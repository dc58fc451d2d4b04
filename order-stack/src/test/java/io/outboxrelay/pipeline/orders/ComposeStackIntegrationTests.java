package io.outboxrelay.pipeline.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.outboxrelay.legacy.LegacyDatabase;
import io.outboxrelay.legacy.order.OrderLine;
import io.outboxrelay.legacy.order.OrderService;
import io.outboxrelay.pipeline.PipelineCli;
import io.outboxrelay.pipeline.compose.ComposeFile;
import io.outboxrelay.pipeline.compose.ComposeFile.Service;
import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * compose.yaml's services, run as the containers would run them but as child JVMs on this machine:
 * the same commands, configuration files and environment, in depends_on order, against a real
 * PostgreSQL and Kafka standing in for the postgres and kafka services. Orders placed by the
 * {@code orders} service must come out the other end with every invariant holding.
 */
class ComposeStackIntegrationTests {

    private static final String RELAY_IMAGE = System.getProperty("image.relay", "outbox-relay:0.1.0-SNAPSHOT");
    private static final int ORDERS = 150;

    @Test
    void composeServicesRunTheWholeStackAsTheLeastPrivilegedRelaysWithEveryInvariantHolding() throws Exception {
        // kept after the run (target/), so that a failure can be read
        Path dir = Files.createDirectories(Path.of("target", "compose-stack-logs"));
        try (var old = Files.list(dir)) {
            for (Path f : old.toList()) {
                Files.delete(f);
            }
        }
        ComposeFile compose = ComposeFile.read(Path.of("..", "compose.yaml"));
        String composePassword = compose.services().get("postgres").environment().get("POSTGRES_PASSWORD");
        List<Supervised> running = new ArrayList<>();
        try (PostgresInstance postgres = Infrastructure.startPostgres(); KafkaInstance kafka = Infrastructure.startKafka()) {
            Map<String, String> hosts = Map.of("postgres:5432", postgres.host() + ":" + postgres.port(),
                    "kafka:9092", kafka.bootstrapServers());
            Map<String, Supervised> services = new LinkedHashMap<>();
            for (Service s : inDependencyOrder(compose)) {
                if (!s.image().startsWith("outbox-")) { // postgres and kafka run here instead; prometheus and grafana do not
                    continue;
                }
                List<String> command = new ArrayList<>();
                for (String arg : s.command()) {
                    command.add(hosts.getOrDefault(arg, arg));
                }
                Map<String, String> environment = new LinkedHashMap<>();
                s.environment().forEach((k, v) -> environment.put(k, v.equals(composePassword) ? postgres.superuserPassword() : v));
                boolean relay = s.image().equals(RELAY_IMAGE);
                if (relay) {
                    int i = command.indexOf("--config");
                    command.set(i + 1, localCopy(compose, s, dir, postgres, kafka).toString());
                    environment.put("RELAY_HTTP_PORT", "0"); // two relays on one host
                }
                if (s.name().equals("consumers")) {
                    command.addAll(List.of("--http-port", "0")); // in its container 8081 is its own; on this host it may be taken
                }
                Supervised p = new Supervised(dir, s, relay ? RelayCli.class.getName() : PipelineCli.class.getName(),
                        command, environment);
                services.put(s.name(), p);
                if (isOneShot(compose, s)) {
                    assertThat(p.process.waitFor(3, TimeUnit.MINUTES)).as(s.name() + " finished").isTrue();
                    assertThat(p.process.exitValue()).as(s.name() + ": " + log(dir, s.name())).isZero();
                }
                else {
                    running.add(p);
                }
            }

            try (HikariDataSource legacy = pool(postgres, "legacy"); HikariDataSource payments = pool(postgres, "payments");
                 HikariDataSource readModel = pool(postgres, "readmodel")) {
                Invariants invariants = new Invariants(legacy, payments, readModel);
                await().atMost(Duration.ofMinutes(2)).until(() -> invariants.measure(-1).get("orders_placed") >= ORDERS);
                stop(services.get("orders").process);
                await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                        .conditionEvaluationListener(c -> {
                            running.forEach(Supervised::restartIfFailed);
                            if (c.getRemainingTimeInMS() < 1500) {
                                System.out.println("compose stack, not settled: " + c.getValue() + "; " + running);
                            }
                        })
                        .until(() -> invariants.measure(-1), Invariants::holds);
                Map<String, Long> m = invariants.measure(-1);
                System.out.println("compose stack: " + m + "; " + running);
                assertThat(m.get("orders_placed")).isGreaterThanOrEqualTo(ORDERS);
                assertThat(m.get("payments_completed") + m.get("payments_failed") + m.get("credit_rejected"))
                        .isEqualTo(m.get("orders_placed"));

                // a consumer that fails stops the 'consumers' process at once with one line naming it (and exit 1), so
                // that a supervisor restarts it: here the payment table is gone when the next order arrives
                Process consumers = services.get("consumers").process;
                try (var c = payments.getConnection(); var st = c.createStatement()) {
                    st.execute("ALTER TABLE payment.payment RENAME TO payment_moved");
                }
                placeOneOrder(legacy);
                assertThat(consumers.waitFor(60, TimeUnit.SECONDS)).as("consumers exits: " + log(dir, "consumers")).isTrue();
                assertThat(consumers.exitValue()).isEqualTo(1);
                // the payments consumer or the payment charger, whichever meets the missing table first, names it
                assertThat(Files.readString(dir.resolve("consumers.log"))).as("consumers.log").containsPattern(
                        "error: (consumer payments|payment charger) failed: [^\\n]*relation \"payment\\.payment\" does not exist");
                try (var c = payments.getConnection(); var st = c.createStatement()) {
                    st.execute("ALTER TABLE payment.payment_moved RENAME TO payment");
                }
            }
            for (String name : List.of("relay-legacy", "relay-payments")) {
                Process p = services.get(name).process;
                stop(p);
                if (name.startsWith("relay")) {
                    assertThat(p.exitValue()).as(name + " stops cleanly on SIGTERM: " + log(dir, name)).isZero();
                }
            }
            try (var c = java.sql.DriverManager.getConnection(postgres.jdbcUrl("legacy"), postgres.superuser(),
                    postgres.superuserPassword());
                 var rs = c.createStatement().executeQuery(
                         "SELECT rolsuper FROM pg_roles WHERE rolname = 'relay_legacy'")) {
                assertThat(rs.next()).as("attach created the relay's role").isTrue();
                assertThat(rs.getBoolean(1)).as("the relay is not a superuser").isFalse();
            }
        }
        finally {
            running.forEach(p -> p.process.destroyForcibly());
        }
    }

    private static void placeOneOrder(HikariDataSource legacy) throws Exception {
        UUID customer;
        UUID product;
        try (var c = legacy.getConnection(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT (SELECT id FROM legacy.customers LIMIT 1), (SELECT id FROM legacy.products LIMIT 1)")) {
            rs.next();
            customer = rs.getObject(1, UUID.class);
            product = rs.getObject(2, UUID.class);
        }
        new OrderService(legacy).placeOrder(customer, List.of(new OrderLine(product, 1)));
    }

    /** A one-shot service is one that others wait for with service_completed_successfully. */
    private static boolean isOneShot(ComposeFile compose, Service s) {
        return s.command().get(0).equals("setup") || s.command().get(0).equals("attach");
    }

    private static List<Service> inDependencyOrder(ComposeFile compose) {
        Set<String> done = new LinkedHashSet<>();
        while (done.size() < compose.services().size()) {
            for (Service s : compose.services().values()) {
                if (!done.contains(s.name()) && done.containsAll(s.dependsOn())) {
                    done.add(s.name());
                }
            }
        }
        return done.stream().map(compose.services()::get).toList();
    }

    /** The mounted relay configuration with the compose host names replaced by the real servers. */
    private static Path localCopy(ComposeFile compose, Service s, Path dir, PostgresInstance postgres, KafkaInstance kafka)
            throws IOException {
        Path mounted = compose.directory().resolve(s.volumes().get(s.option("--config").orElseThrow())).normalize();
        Properties p = new Properties();
        try (Reader reader = Files.newBufferedReader(mounted)) {
            p.load(reader);
        }
        p.setProperty("database.host", postgres.host());
        p.setProperty("database.port", String.valueOf(postgres.port()));
        p.setProperty("kafka.bootstrap.servers", kafka.bootstrapServers());
        Path copy = dir.resolve(s.name() + ".properties");
        try (Writer writer = Files.newBufferedWriter(copy)) {
            p.store(writer, "from " + mounted);
        }
        return copy;
    }

    /**
     * A service's process, restarted as compose's {@code restart: on-failure} would when it exited with an error
     * (checked while the test waits); its log is appended to.
     */
    private static final class Supervised {
        private final Path dir;
        private final Service service;
        private final String mainClass;
        private final List<String> args;
        private final Map<String, String> environment;
        private final List<Integer> failures = new ArrayList<>();
        private Process process;

        Supervised(Path dir, Service service, String mainClass, List<String> args, Map<String, String> environment)
                throws IOException {
            this.dir = dir;
            this.service = service;
            this.mainClass = mainClass;
            this.args = args;
            this.environment = environment;
            this.process = start(dir, service.name(), mainClass, args, environment);
        }

        void restartIfFailed() {
            if (service.restart().equals("on-failure") && !process.isAlive() && process.exitValue() != 0) {
                failures.add(process.exitValue());
                System.out.println("compose stack: " + service.name() + " exited " + process.exitValue()
                        + ", restarting it (restart: on-failure)");
                try {
                    process = start(dir, service.name(), mainClass, args, environment);
                }
                catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }

        @Override
        public String toString() {
            return service.name() + (process.isAlive() ? " running" : " exited " + process.exitValue())
                    + (failures.isEmpty() ? "" : ", restarted after exit codes " + failures);
        }
    }

    private static Process start(Path dir, String name, String mainClass, List<String> args, Map<String, String> environment)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("RELAY_") || k.equals("PGPASSWORD"));
        builder.environment().putAll(environment);
        return builder.start();
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy(); // SIGTERM, as docker compose stop does
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
    }

    private static HikariDataSource pool(PostgresInstance postgres, String database) {
        return LegacyDatabase.pool(postgres.jdbcUrl(database), postgres.superuser(), postgres.superuserPassword(), 2);
    }

    private static String log(Path dir, String name) throws IOException {
        String log = Files.readString(dir.resolve(name + ".log"));
        return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
    }
}
