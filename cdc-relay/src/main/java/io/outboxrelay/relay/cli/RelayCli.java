package io.outboxrelay.relay.cli;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.relay.Relay;
import io.outboxrelay.relay.RelayFailedException;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.config.Setting;
import io.outboxrelay.relay.error.RelayException;
import io.outboxrelay.relay.ops.RelayOperations;
import io.outboxrelay.relay.preflight.StartupException;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The relay's command line. Exit codes: 0 stopped cleanly, 1 failed while running, 2 bad configuration, 3 cannot start;
 * each error type carries its own ({@link RelayException}) and {@link RelayErrorHandler} maps it for every command.
 */
@Command(name = "relay", mixinStandardHelpOptions = true, version = "outbox-relay 0.1.0",
        description = "Relays outbox rows from PostgreSQL to Kafka through embedded Debezium.",
        subcommands = {RelayCli.Run.class, RelayCli.Settings.class, AttachCommand.class, StatusCommand.class,
                ReplayCommand.class, DetachCommand.class})
public final class RelayCli {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = RelayException.EXIT_FAILED;
    public static final int EXIT_CONFIG = RelayException.EXIT_CONFIG;
    public static final int EXIT_STARTUP = RelayException.EXIT_STARTUP;

    public static void main(String[] args) {
        // before the first log line; log.format in the configuration file can still switch later
        LogFormat.use(System.getenv(LogFormat.ENVIRONMENT));
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return RelayErrorHandler.install(new CommandLine(new RelayCli()));
    }

    /** A command line whose attach and detach read {@code environment} instead of the process's (for tests). */
    public static CommandLine commandLine(java.util.Map<String, String> environment) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        return RelayErrorHandler.install(new CommandLine(new RelayCli(), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                if (AdminCommand.class.isAssignableFrom(type)) {
                    return type.getDeclaredConstructor(java.util.Map.class).newInstance(environment);
                }
                return defaults.create(type);
            }
        }));
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Run the relay until SIGTERM or Ctrl-C; stops gracefully (sends acknowledged, position saved).",
                    "With several hosts in database.host, follows a promoted standby (stops, then starts on it).",
                    "Serves a console page (/), /metrics (Prometheus), /health/live, /health/ready and /status on http.port (default 8080)."},
            footer = {"", "Examples:",
                    "  relay run --config relay.properties",
                    "  RELAY_HTTP_PORT=9404 RELAY_LOG_FORMAT=json relay run --config relay.properties",
                    "  RELAY_DATABASE_PASSWORD=... relay run --config /etc/outbox-relay/relay.properties"})
    static final class Run implements java.util.concurrent.Callable<Integer> {

        private static final Logger LOG = LoggerFactory.getLogger(Run.class);

        @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
                description = "Properties file; RELAY_* environment variables override it (see 'relay settings').")
        Path config;

        @Override
        public Integer call() throws InterruptedException {
            RelayConfig relayConfig = RelayConfig.load(config, System.getenv());
            LogFormat.use(relayConfig.get(RelayConfig.LOG_FORMAT));
            LOG.info("Configuration:\n{}", relayConfig.describe());
            try (RelayOperations ops = RelayOperations.start(relayConfig)) {
                return run(relayConfig, ops);
            }
        }

        private int run(RelayConfig relayConfig, RelayOperations ops) throws InterruptedException {
            Thread main = Thread.currentThread();
            AtomicReference<Relay> started = new AtomicReference<>();
            AtomicBoolean stopAsked = new AtomicBoolean();
            CountDownLatch stopped = new CountDownLatch(1);
            Runnable stop = () -> {
                Relay running;
                synchronized (started) {
                    stopAsked.set(true);
                    running = started.get();
                    if (running == null) {
                        main.interrupt();
                    }
                }
                if (running != null) {
                    running.close();
                }
                stopped.countDown();
            };
            // A standby may wait for hours before Relay.start returns: a stop asked for meanwhile interrupts the wait.
            boolean stopHandled = relayConfig.getBoolean(RelayConfig.STANDBY);
            if (stopHandled) {
                Signals.onTermination(stop);
            }
            Relay relay;
            while (true) {
                try {
                    relay = Relay.start(relayConfig, ops);
                }
                catch (StartupException e) {
                    if (stopAsked.get()) {
                        LOG.info("Stopped before the relay started ({})", e.getMessage());
                        return EXIT_OK;
                    }
                    throw e;
                }
                synchronized (started) {
                    started.set(relay);
                    if (stopAsked.get()) {
                        Thread.interrupted(); // the interrupt meant for the start that has just ended
                        relay.close();
                    }
                }
                if (!stopHandled) {
                    Signals.onTermination(stop);
                    stopHandled = true;
                }
                try {
                    relay.awaitTermination(); // a RelayFailedException from here is exit code 1
                    break;
                }
                catch (RelayFailedException e) {
                    if (relay.primaryMovedTo() == null) {
                        throw e;
                    }
                    if (stopAsked.get()) {
                        break; // it had stopped gracefully
                    }
                    synchronized (started) {
                        started.set(null); // a stop asked for while the next relay starts interrupts that start
                    }
                    LOG.warn("Starting again on the new PostgreSQL primary {}", relay.primaryMovedTo());
                }
            }
            stopped.await();
            LOG.info("Relay stopped cleanly after relaying {} events ({} dead letters)",
                    relay.stats().relayed(), relay.stats().deadLettered());
            return EXIT_OK;
        }
    }

    @Command(name = "settings", mixinStandardHelpOptions = true,
            description = "List every setting with its default, environment variable and meaning.")
    static final class Settings implements Runnable {
        @Override
        public void run() {
            for (Setting s : RelayConfig.SETTINGS) {
                System.out.printf("%s%s%n    env %s; default: %s%n    %s%n", s.name(), s.isRequired() ? " (required)" : "",
                        s.environmentVariable(), s.defaultValue() == null ? "none" : "'" + s.defaultValue() + "'", s.doc());
            }
            System.out.printf("%s*  passed to the Debezium connector unchanged, except keys the relay derives from the settings"
                    + " above (debezium.slot.name, ...: refused, naming the setting to use)%n", RelayConfig.DEBEZIUM_PREFIX);
            System.out.printf("%s*  passed to the Kafka producer unchanged (acks, idempotence and serializers are fixed)%n",
                    RelayConfig.PRODUCER_PREFIX);
        }
    }
}
