package io.outboxrelay.pipeline;

import io.outboxrelay.pipeline.demo.DemoCommand;
import io.outboxrelay.pipeline.orders.ConsumersCommand;
import io.outboxrelay.pipeline.orders.OrdersCommand;
import io.outboxrelay.pipeline.orders.RunCommand;
import io.outboxrelay.pipeline.orders.SetupCommand;
import io.outboxrelay.relay.cli.RelayErrorHandler;
import io.outboxrelay.relay.cli.ReplayCommand;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The project's main job: the order pipeline on embedded PostgreSQL and Kafka (the benchmarks are module {@code bench}). */
@Command(name = "outbox-pipeline", mixinStandardHelpOptions = true, version = "outbox-relay 0.1.0",
        description = "Runs the outbox pipeline on a real PostgreSQL and a real Kafka started for you.",
        subcommands = {RunCommand.class, ReplayCommand.class, DemoCommand.class, SetupCommand.class, ConsumersCommand.class,
                OrdersCommand.class})
public final class PipelineCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // replay is the relay's command: its errors are one line and an exit code here too; so are PostgreSQL and
        // Kafka refusing or unreachable for the pipeline's own commands
        System.exit(PipelineErrors.install(RelayErrorHandler.install(new CommandLine(new PipelineCli()))).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
