package io.outboxrelay.bench;

import io.outboxrelay.bench.orders.OrdersBenchCommand;
import io.outboxrelay.pipeline.PipelineErrors;
import io.outboxrelay.relay.cli.RelayErrorHandler;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The benchmarks, apart from the product: {@code bench} (the relay against its rivals on one PostgreSQL and one
 * Kafka) and {@code bench-orders} (the order pipeline's consumers: replay, latency, payments). Nothing here ships in
 * the relay's or the pipeline's jar or image.
 */
@Command(name = "outbox-bench", mixinStandardHelpOptions = true, version = "outbox-relay 0.1.0",
        description = "Benchmarks of the outbox relay and the order pipeline, on a real PostgreSQL and a real Kafka.",
        subcommands = {BenchCommand.class, OrdersBenchCommand.class})
public final class BenchCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(PipelineErrors.install(RelayErrorHandler.install(new CommandLine(new BenchCli()))).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
