package io.outboxrelay.pipeline.orders;

import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

import io.outboxrelay.consumers.ops.ConsumerEndpoint;
import io.outboxrelay.relay.cli.Signals;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The read model, the payment processor and the compensation, until stopped (SIGTERM or Ctrl-C). */
@Command(name = "consumers", mixinStandardHelpOptions = true,
        description = {"Run the three consumers (read-model, payments, compensation; one consumer group each) against"
                + " databases prepared by 'setup', until SIGTERM or Ctrl-C.",
                "The relays run as their own processes ('relay run').",
                "Serves a console page (/), /metrics (Prometheus), /health/live, /health/ready and /status on --http-port."},
        footer = {"", "Examples:", "  PGPASSWORD=... outbox-pipeline consumers --postgres db:5432 --kafka kafka:9092"})
public final class ConsumersCommand implements Callable<Integer> {

    @Mixin
    ExternalServers servers;

    @Option(names = "--failure-rate", defaultValue = "0.1",
            description = "Share of charges the simulated gateway declines (default ${DEFAULT-VALUE}).")
    double failureRate;

    @Option(names = "--http-port", defaultValue = "8081",
            description = "Port for /metrics, /health/live, /health/ready and /status; 0 picks a free port (printed),"
                    + " -1 disables the endpoint (default ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--http-host", defaultValue = "0.0.0.0",
            description = "Address the HTTP endpoint listens on (default ${DEFAULT-VALUE}: every interface).")
    String httpHost;

    @Override
    public Integer call() throws Exception {
        if (servers.kafka == null) {
            System.err.println("error: consumers needs --kafka BOOTSTRAP (the Kafka the relays write to)");
            return 2;
        }
        if (httpPort < -1 || httpPort > 65535) {
            System.err.println("error: --http-port must be -1, 0 or a port number up to 65535, not " + httpPort);
            return 2;
        }
        Pipeline pipeline = Pipeline.consumers(servers.postgres(), servers.reachableKafka(), failureRate);
        if (httpPort >= 0) {
            try {
                ConsumerEndpoint endpoint = pipeline.serve(httpHost, httpPort);
                System.out.println("Metrics, health and status on " + endpoint.uri()
                        + " (/metrics, /health/live, /health/ready, /status; console page at /)");
            }
            catch (UncheckedIOException e) {
                System.err.println("error: " + e.getMessage() + "; --http-port -1 disables the endpoint");
                pipeline.close();
                return 2;
            }
        }
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        // SIGTERM/Ctrl-C: a graceful stop and exit 0 (a shutdown hook alone would end in 143, read as a crash)
        Signals.onTermination(() -> {
            pipeline.close(); // consumers commit what they processed and leave their groups
            stopped.complete(null);
        });
        System.out.println("Consumers read-model, payments and compensation running; stop with SIGTERM or Ctrl-C");
        // a consumer that failed must not leave the process looking healthy: stop the others and exit 1, naming it
        if (CompletableFuture.anyOf(pipeline.failure(), stopped).get() instanceof String failure) {
            System.err.println("error: " + failure);
            pipeline.close();
            return 1;
        }
        System.out.println("Consumers stopped cleanly");
        return 0;
    }
}
