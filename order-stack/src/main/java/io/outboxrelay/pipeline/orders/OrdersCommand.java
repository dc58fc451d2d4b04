package io.outboxrelay.pipeline.orders;

import java.util.concurrent.Callable;

import com.zaxxer.hikari.HikariDataSource;

import io.outboxrelay.legacy.LegacyDatabase;
import io.outboxrelay.legacy.load.OrderLoad;
import io.outboxrelay.testkit.PostgresInstance;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The legacy order system's clients: places orders (each with its OrderPlaced outbox row) at a rate. */
@Command(name = "orders", mixinStandardHelpOptions = true,
        description = "Place orders in the legacy database prepared by 'setup', as the legacy system's clients do.",
        footer = {"", "Examples:", "  PGPASSWORD=... outbox-pipeline orders --postgres db:5432 --kafka kafka:9092 --rate 20",
                "  PGPASSWORD=... outbox-pipeline orders --postgres db:5432 --kafka kafka:9092 --orders 1000 --rate 0"})
public final class OrdersCommand implements Callable<Integer> {

    @Mixin
    ExternalServers servers;

    @Option(names = "--orders", defaultValue = "0", description = "Orders to place, 0 = until stopped (default ${DEFAULT-VALUE}).")
    int orders;

    @Option(names = "--clients", defaultValue = "2", description = "Concurrent clients (default ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--rate", defaultValue = "20", description = "Orders per second, 0 = as fast as possible (default ${DEFAULT-VALUE}).")
    double rate;

    @Override
    public Integer call() throws Exception {
        PostgresInstance postgres = servers.postgres();
        try (HikariDataSource legacy = LegacyDatabase.pool(postgres.jdbcUrl("legacy"), postgres.superuser(),
                postgres.superuserPassword(), clients + 1)) {
            OrderLoad load = new OrderLoad(legacy, new OrderLoad.Plan(orders, clients, rate));
            Thread stop = new Thread(load::stop, "orders-stop");
            Runtime.getRuntime().addShutdownHook(stop);
            OrderLoad.Result result = load.run(n -> { });
            System.out.printf("Placed %,d orders in %s%n", result.orders(), result.elapsed());
            return 0;
        }
    }
}
