package io.outboxrelay.pipeline.orders;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The read model, the payment processor and the compensation, until stopped (SIGTERM or Ctrl-C). */
@Command(name = "consumers", mixinStandardHelpOptions = true,
        description = {"Run the three consumers (read-model, payments, compensation; one consumer group each) against"
                + " databases prepared by 'setup', until SIGTERM or Ctrl-C.",
                "The relays run as their own processes ('relay run')."},
        footer = {"", "Examples:", "  PGPASSWORD=... outbox-pipeline consumers --postgres db:5432 --kafka kafka:9092"})
public final class ConsumersCommand implements Callable<Integer> {

    @Mixin
    ExternalServers servers;

    @Option(names = "--failure-rate", defaultValue = "0.1",
            description = "Share of charges the simulated gateway declines (default ${DEFAULT-VALUE}).")
    double failureRate;

    @Override
    public Integer call() throws Exception {
        Pipeline pipeline = Pipeline.consumers(servers.postgres(), servers.kafka(), failureRate);
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            pipeline.close(); // consumers commit what they processed and leave their groups
            stopped.complete(null);
        }, "consumers-stop"));
        System.out.println("Consumers read-model, payments and compensation running; stop with SIGTERM or Ctrl-C");
        // a consumer that failed must not leave the process looking healthy: stop the others and exit 1, naming it
        if (CompletableFuture.anyOf(pipeline.failure(), stopped).get() instanceof String failure) {
            System.err.println("error: " + failure);
            pipeline.close();
            return 1;
        }
        return 0;
    }
}
