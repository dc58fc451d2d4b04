package io.outboxrelay.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.cli.RelayCli;
import io.outboxrelay.testkit.DeliveryCheck;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * The relay the whole suite injects faults into: one deployment, the relay process of the moment, the steady
 * load and the probe. Scenarios run one after another on it ({@link #begin}, {@link #end}); each one's figures
 * are what changed during it. Also plays the supervisor (systemd, Kubernetes): a relay that exits by itself is
 * noted and started again.
 *
 * <p>One relay for all scenarios rather than one each: every relay start costs seconds of JVM and Debezium
 * start-up, and the quick variant runs in every build.
 */
final class RelayUnderFaults implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RelayUnderFaults.class);
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(180);

    final Deployment deployment;
    final Probe probe;
    final Random random;
    private final Sizes sizes;
    private SteadyLoad load;
    private RelayProcess relay;
    private DeliveryCheck lastCheck;
    private Scenario current;
    private String fault = "the start";
    private long faultNanos = System.nanoTime();
    private int exits;

    private RelayUnderFaults(Deployment deployment, Sizes sizes, long seed) {
        this.deployment = deployment;
        this.sizes = sizes;
        this.random = new Random(seed);
        this.probe = new Probe(deployment);
    }

    /** Attaches, starts the relay, waits until a first event flows, then starts the steady load. */
    static RelayUnderFaults start(PostgresInstance postgres, KafkaInstance kafka, Sizes sizes, Path logs,
                                  Map<String, String> settings) throws Exception {
        long seed = Long.getLong("faults.seed", System.nanoTime());
        LOG.info("Fault timing: random seed {} (-Dfaults.seed={} repeats it)", seed, seed);
        RelayUnderFaults run = new RelayUnderFaults(new Deployment(postgres, kafka, "suite", logs, settings), sizes, seed);
        try {
            assertThat(run.deployment.roleIsSuperuser()).as("the relay runs as a least-privilege role").isFalse();
            run.relay = run.deployment.startRelay("start");
            run.probe.awaitDelivered(run.probe.write(Duration.ofSeconds(30)), Duration.ofSeconds(60));
            run.lastCheck = run.deployment.deliveryCheck();
            run.load = SteadyLoad.start(run.deployment.dataSource(), sizes.eventsPerSecond());
            return run;
        }
        catch (Exception | Error e) {
            run.close();
            throw e;
        }
    }

    Scenario begin(String name) {
        current = new Scenario(name, lastCheck, load.failedSlices(), exits);
        LOG.info("Scenario {} begins", name);
        return current;
    }

    /**
     * Holds the load, waits until an event written now is in Kafka (so everything committed before it is
     * too), compares the outbox with Kafka, and resumes the load.
     */
    ScenarioResult end(Scenario scenario, String faults, int faultCount) throws Exception {
        load.pause();
        DeliveryCheck check;
        try {
            awaitProbe(probe.write(Duration.ofSeconds(60)));
            check = deployment.deliveryCheck();
            // the probe's ack may come before the acks of records sent just before it to other partitions
            for (int i = 0; i < 5 && !check.lost.isEmpty(); i++) {
                Probe.sleep(Duration.ofSeconds(2));
                check = deployment.deliveryCheck();
            }
        }
        finally {
            load.resume();
        }
        long failedSlices = load.failedSlices() - scenario.failedSlicesBefore;
        if (failedSlices > 0) {
            scenario.note(failedSlices + " load slices failed while the database was away (what they committed is counted)");
        }
        ScenarioResult result = scenario.result(faults, faultCount, check);
        lastCheck = check;
        current = null;
        LOG.info("Scenario {} ends: {}", scenario.name, check);
        return result;
    }

    /** Records that a fault begins now (for the supervisor's notes). @return the moment, {@link System#nanoTime()} */
    long faultBegins(String label) {
        fault = label;
        faultNanos = System.nanoTime();
        return faultNanos;
    }

    /** A random pause before the next fault, in [minGap, 2 * minGap], so faults hit the relay at random moments. */
    void pauseBeforeFault() {
        long min = sizes.minGap().toMillis();
        Probe.sleep(Duration.ofMillis(min + (long) (random.nextDouble() * min)));
    }

    RelayProcess relay() {
        return relay;
    }

    /** Starts a new relay process (after the old one was killed or stopped) and waits until it streams. */
    void startRelay(String label) {
        assertThat(relay.isAlive()).as("the previous relay still runs").isFalse();
        relay = deployment.startRelay(label);
    }

    /**
     * Writes a probe event right away and waits until it is in Kafka, restarting the relay if it exits.
     *
     * @param faultNanos when the fault happened (or, for an outage, ended): where recovery is measured from
     */
    void awaitRecovery(long faultNanos) {
        awaitRecoveryOf(faultNanos, probe.write(Duration.ofSeconds(60)));
    }

    /** Like {@link #awaitRecovery(long)} for a probe event written already. */
    void awaitRecoveryOf(long faultNanos, UUID probeEvent) {
        long seen = awaitProbe(probeEvent);
        current.recoveries.add(ScenarioResult.millis(faultNanos, seen));
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

    /**
     * The supervisor: a relay that exited by itself must have said why on one line, with exit code 1 (failed
     * while running) or 3 (cannot start); it is noted and started again without waiting.
     */
    void supervise() {
        if (relay.isAlive()) {
            return;
        }
        int code = relay.awaitExit(Duration.ZERO).orElseThrow();
        exits++;
        String error = relay.errorLines().stream().findFirst().orElse("(no error line)");
        LOG.info("Relay exited with {}: {}", code, error);
        assertThat(code).as("relay exit code (1 failed, 3 cannot start); its log:\n" + relay.log())
                .isIn(RelayCli.EXIT_FAILED, RelayCli.EXIT_STARTUP);
        assertThat(error).as("a relay that stops says why on one line").startsWith("error: ");
        if (current != null) {
            current.note("relay exited " + code + " " + ScenarioResult.seconds(ScenarioResult.millis(faultNanos, System.nanoTime()))
                    + " after " + fault + " began (" + abbreviate(error, 240) + "); the supervisor started it again");
        }
        relay = deployment.launchRelay("supervisor-restart-" + exits);
    }

    /** Times the relay exited by itself so far. */
    int exits() {
        return exits;
    }

    /** Stops the load and the relay with SIGTERM. @return the relay's exit code */
    int stop() throws InterruptedException {
        load.close();
        return relay.terminate(Duration.ofSeconds(90));
    }

    static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
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
