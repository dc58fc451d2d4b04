package io.outboxrelay.relay.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.config.DatabaseHosts;
import io.outboxrelay.relay.config.RelayConfig;

/**
 * Watches, for a relay given several hosts in {@link RelayConfig#DATABASE_HOST}, whether the primary it streams from
 * still is one. When it stops answering as a writable server, the other hosts are asked every second: the first to be
 * writable (a promoted standby) is reported once to {@code moved}; when none is within
 * {@link RelayConfig#STARTUP_TIMEOUT_MS}, {@code lost} hears why. A primary that comes back writable (a restart, not a
 * failover) ends the search. The primary is asked on one connection kept open (a new one only after it failed); runs on
 * one daemon thread; {@link #close()} stops it.
 */
public final class PrimaryWatch implements AutoCloseable {

    static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(PrimaryWatch.class);

    private final RelayConfig config;
    private final DatabaseHosts.Host current;
    private final Consumer<DatabaseHosts.Host> moved;
    private final Consumer<String> lost;
    private volatile Thread watcher;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "relay-primary-watch");
        t.setDaemon(true);
        watcher = t;
        return t;
    });
    private long lostSince;
    private boolean done;
    private Connection held; // to current, while it answers

    private PrimaryWatch(RelayConfig config, DatabaseHosts.Host current, Consumer<DatabaseHosts.Host> moved,
                         Consumer<String> lost) {
        this.config = config;
        this.current = current;
        this.moved = moved;
        this.lost = lost;
    }

    /** Starts watching {@code current}, one of {@code config}'s hosts. */
    public static PrimaryWatch start(RelayConfig config, DatabaseHosts.Host current, Consumer<DatabaseHosts.Host> moved,
                                     Consumer<String> lost) {
        PrimaryWatch watch = new PrimaryWatch(config, current, moved, lost);
        watch.thread.scheduleWithFixedDelay(watch::check, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return watch;
    }

    private void check() {
        if (done) {
            return;
        }
        String user = config.get(RelayConfig.DATABASE_USER);
        String password = config.get(RelayConfig.DATABASE_PASSWORD);
        Primary.Probe self = askCurrent(user, password);
        if (self.role() == Primary.Role.PRIMARY || self.role() == Primary.Role.REFUSED) {
            if (lostSince != 0) {
                LOG.info("PostgreSQL primary {} is writable again; staying with it", current);
                lostSince = 0;
            }
            return;
        }
        if (lostSince == 0) {
            lostSince = System.nanoTime();
            LOG.warn("PostgreSQL primary {} is no longer one: {}; looking for a writable host among {}", current, self,
                    config.get(RelayConfig.DATABASE_HOST));
        }
        List<Primary.Probe> others = new ArrayList<>();
        for (DatabaseHosts.Host host : config.databaseHosts().hosts()) {
            if (host.equals(current)) {
                continue;
            }
            Primary.Probe probe = Primary.probe(config, host, user, password);
            if (probe.role() == Primary.Role.PRIMARY) {
                done = true;
                closeHeld();
                LOG.warn("PostgreSQL primary moved from {} to {}", current, host);
                moved.accept(host);
                return;
            }
            others.add(probe);
        }
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lostSince);
        if (waitedMs > config.getInt(RelayConfig.STARTUP_TIMEOUT_MS)) {
            done = true;
            closeHeld();
            others.add(0, self);
            lost.accept("lost PostgreSQL primary " + current + " and no host in database.host became writable within "
                    + config.getInt(RelayConfig.STARTUP_TIMEOUT_MS) + " ms (startup.timeout.ms): "
                    + others.stream().map(Primary.Probe::toString).collect(Collectors.joining("; ")));
        }
    }

    /** On the held connection; after it failed, on a new one, which also says why the primary cannot be reached. */
    private Primary.Probe askCurrent(String user, String password) {
        try {
            if (held == null) {
                held = Primary.connect(config, current, user, password);
            }
            return Primary.ask(held, current);
        }
        catch (SQLException e) {
            closeHeld();
            return Primary.probe(config, current, user, password);
        }
    }

    private void closeHeld() {
        if (held != null) {
            try {
                held.close();
            }
            catch (SQLException e) {
                // it is gone already
            }
            held = null;
        }
    }

    /** Stops watching; from the watch's own thread (a lost primary fails the relay there), without waiting for itself. */
    @Override
    public void close() {
        thread.shutdownNow();
        if (Thread.currentThread() != watcher) {
            try {
                thread.awaitTermination(10, TimeUnit.SECONDS);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeHeld();
    }
}
