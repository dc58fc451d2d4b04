package io.outboxrelay.pipeline.orders;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.Callable;

import javax.sql.DataSource;

import io.outboxrelay.testkit.PostgresInstance;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Creates the pipeline's databases, schemas and seed data on a running PostgreSQL; safe to run again. */
@Command(name = "setup", mixinStandardHelpOptions = true,
        description = {"Create the databases legacy, payments and readmodel (when missing), their schemas, the outbox"
                + " tables and the seed data (customers, products, credit). Safe to run again.",
                "Then attach and run a relay per outbox (legacy, payments) and start 'consumers' and 'orders'."},
        footer = {"", "Examples:", "  PGPASSWORD=... outbox-pipeline setup --postgres db:5432 --kafka kafka:9092"})
public final class SetupCommand implements Callable<Integer> {

    @Mixin
    ExternalServers servers;

    @Option(names = "--customers", defaultValue = "1000", description = "Customers to seed (default ${DEFAULT-VALUE}).")
    int customers;

    @Override
    public Integer call() throws Exception {
        PostgresInstance postgres = servers.postgres();
        try (Services services = new Services(postgres, servers.kafka())) {
            DataSource legacy = services.database("legacy", 2, missing(postgres, "legacy"));
            DataSource payments = services.database("payments", 2, missing(postgres, "payments"));
            DataSource readModel = services.database("readmodel", 2, missing(postgres, "readmodel"));
            Pipeline.prepare(legacy, payments, readModel, customers);
        }
        System.out.printf("Databases legacy, payments and readmodel ready on %s:%d%n", postgres.host(), postgres.port());
        return 0;
    }

    private static boolean missing(PostgresInstance postgres, String database) throws Exception {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl("postgres"), postgres.superuser(),
                postgres.superuserPassword());
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                return !rs.next();
            }
        }
    }
}
