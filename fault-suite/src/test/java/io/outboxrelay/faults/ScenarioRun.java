package io.outboxrelay.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * One scenario in progress: its deployment, the relay process, the steady load, the probe, and what has been
 * measured and observed so far. Also plays the supervisor (systemd, Kubernetes) where a scenario needs one:
 * a relay that exited is noted and started again.
 */
final class ScenarioRun implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ScenarioRun.class);
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(180);

    final Deployment deployment;
    final Probe probe;
    final Random random;
    final List<Long> recoveries = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    private final Sizes sizes;
    private SteadyLoad load;
    RelayProcess relay;
    private int exits;

    private ScenarioRun(Deployment deployment, Sizes sizes, long seed) {
        this.deployment = deployment;
        this.sizes = sizes;
        this.random = new Random(seed);
        this.probe = new Probe(deployment);
    }

    /** Attaches, starts the relay, waits until a first event flows, then starts the steady load. */
    static ScenarioRun start(PostgresInstance postgres, KafkaInstance kafka, String name, Sizes sizes, java.nio.file.Path logs,
                             Map<String, String> overrides) throws Exception {
        long seed = Long.getLong("faults.seed", System.nanoTime());
        LOG.info("Scenario {}: random seed {} (-Dfaults.seed={} repeats its timing)", name, seed, seed);
        ScenarioRun run = new ScenarioRun(new Deployment(postgres, kafka, name, logs, overrides), sizes, seed);
        try {
            assertThat(run.deployment.roleIsSuperuser()).as("the relay runs as a least-privilege role").isFalse();
            run.relay = run.deployment.startRelay("start");
            run.probe.awaitDelivered(run.probe.write(Duration.ofSeconds(30)), Duration.ofSeconds(60));
            run.load = SteadyLoad.start(run.deployment.dataSource(), sizes.eventsPerSecond());
            return run;
        }
        catch (Exception | Error e) {
            run.close();
            throw e;
        }
    }

    /** A random pause before the next fault, in [minGap, 2 * minGap], so faults hit the relay at random moments. */
    void pauseBeforeFault() {
        long min = sizes.minGap().toMillis();
        Probe.sleep(Duration.ofMillis(min + (long) (random.nextDouble() * min)));
    }

    /**
     * Writes a probe right away and waits until it is in Kafka, restarting the relay if it exits.
     *
     * @param faultNanos when the fault happened (or, for an outage, ended): where recovery is measured from
     */
    void awaitRecovery(long faultNanos) {
        awaitRecoveryOf(faultNanos, probe.write(Duration.ofSeconds(60)));
    }

    /** Like {@link #awaitRecovery(long)} for a probe event written already. */
    void awaitRecoveryOf(long faultNanos, UUID probeEvent) {
        long seen = awaitProbe(probeEvent);
        recoveries.add(ScenarioResult.millis(faultNanos, seen));
    }

    /** Waits until the probe event {@code id} is in Kafka, supervising the relay meanwhile; returns when it was seen. */
    private long awaitProbe(UUID id) {
        long deadline = System.nanoTime() + RECOVERY_TIMEOUT.toNanos();
        while (!probe.delivered(id, Duration.ofMillis(250))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no event relayed within " + RECOVERY_TIMEOUT + " of the fault; relay log:\n"
                        + relay.log());
            }
            supervise();
        }
        return System.nanoTime();
    }

    /** The supervisor: a relay that exited is noted (exit code, error line) and started again. */
    void supervise() {
        if (relay.isAlive()) {
            return;
        }
        int code = relay.awaitExit(Duration.ZERO).orElseThrow();
        exits++;
        String error = relay.errorLines().stream().findFirst().orElse("(no error line)");
        LOG.info("Relay exited with {}: {}", code, error);
        if (code != RelayCli.EXIT_FAILED && code != RelayCli.EXIT_STARTUP) {
            throw new AssertionError("relay exited with " + code + ", neither 1 (failed) nor 3 (cannot start):\n" + relay.log());
        }
        assertThat(error).as("a relay that stops says why on one line").startsWith("error: ");
        note("relay exited " + code + " (" + abbreviate(error, 220) + "); the supervisor started it again");
        relay = deployment.launchRelay("supervisor-restart-" + exits);
    }

    /** How many times the relay exited by itself. */
    int exits() {
        return exits;
    }

    void note(String note) {
        LOG.info("Note: {}", note);
        notes.add(note);
    }

    /**
     * Stops the load, makes sure the last events are through, stops the relay with SIGTERM (exit 0 expected)
     * and compares the outbox with Kafka.
     */
    DeliveryCheck finish() throws Exception {
        load.close();
        if (load.failedSlices() > 0) {
            note(load.failedSlices() + " load slices failed while the database was away (their committed part is counted)");
        }
        awaitProbe(probe.write(Duration.ofSeconds(60)));
        // everything committed before the last probe precedes it in the WAL; give in-flight acks a moment
        DeliveryCheck check = DeliveryCheck.of(deployment);
        for (int i = 0; i < 5 && !check.lost.isEmpty(); i++) {
            Probe.sleep(Duration.ofSeconds(2));
            check = DeliveryCheck.of(deployment);
        }
        int code = relay.terminate(Duration.ofSeconds(90));
        if (code != RelayCli.EXIT_OK) {
            note("the relay's final SIGTERM ended with exit code " + code);
        }
        LOG.info("Scenario {}: {}", deployment.name, check);
        return check;
    }

    ScenarioResult result(String scenario, String faults, int faultCount, DeliveryCheck check) {
        return new ScenarioResult(scenario, faults, faultCount, check.committed, check.lost.size(), check.duplicateCount(),
                ScenarioResult.NO_EFFECTS, List.copyOf(recoveries), List.copyOf(notes));
    }

    static void assertDeliveredCompletelyInOrder(DeliveryCheck check) throws SQLException {
        assertThat(check.lost).as("committed events missing from Kafka: " + check).isEmpty();
        assertThat(check.unexpected).as("events in Kafka that were never committed: " + check).isEmpty();
        assertThat(check.deadLettered).as("dead letters: " + check).isZero();
        assertThat(check.orderViolations).as("out of commit order per aggregate: " + check).isEmpty();
    }

    static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    Optional<SteadyLoad> load() {
        return Optional.ofNullable(load);
    }

    @Override
    public void close() throws Exception {
        try {
            if (load != null) {
                load.close();
            }
        }
        finally {
            if (relay != null) {
                relay.destroy();
            }
            probe.close();
        }
    }
}
