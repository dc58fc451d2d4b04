package io.outboxrelay.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import org.postgresql.ds.PGSimpleDataSource;

/**
 * A running PostgreSQL server with {@code wal_level=logical} (unless overridden), reachable over TCP.
 *
 * <p>TCP connections always authenticate with a password (scram-sha-256), so a wrong password fails
 * with SQLState 28P01 exactly as against a production server.
 */
public interface PostgresInstance extends AutoCloseable {

    String host();

    int port();

    /** A JDBC URL without credentials: pass {@link #superuser()} and {@link #superuserPassword()} separately. */
    default String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    String superuser();

    String superuserPassword();

    /**
     * An unpooled data source on {@code database} as the superuser, with batched inserts rewritten into multi-row
     * statements: what the tests' writers and checks connect with.
     */
    default PGSimpleDataSource dataSource(String database) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(jdbcUrl(database));
        ds.setUser(superuser());
        ds.setPassword(superuserPassword());
        ds.setReWriteBatchedInserts(true);
        return ds;
    }

    /** Creates an empty database owned by the superuser. */
    default void createDatabase(String name) {
        try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"), superuser(), superuserPassword());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
        } catch (SQLException e) {
            throw new InfrastructureException("Could not create database " + name + " on " + host() + ":" + port(), e);
        }
    }

    /**
     * Stops the server the way a crash does ({@code pg_ctl restart -m immediate}: no shutdown checkpoint,
     * every connection dropped at once) and starts it again on the same port and data directory, so that it
     * recovers from its WAL. Returns once it accepts connections again.
     *
     * @throws UnsupportedOperationException for a server this process does not run itself (a container)
     */
    default void restartImmediately() {
        throw new UnsupportedOperationException(this + " cannot be restarted by the test kit");
    }

    /** Stops the server and deletes everything it wrote. Idempotent. */
    @Override
    void close();
}
