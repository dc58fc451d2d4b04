package io.outboxrelay.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.postgresql.ds.PGSimpleDataSource;

import io.outboxrelay.sql.OutboxSchema;
import io.outboxrelay.testkit.Infrastructure;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * The bench's own PostgreSQL and Kafka, started in-process (testkit), and a migrated database. Closing
 * stops both servers and deletes what they wrote.
 */
final class BenchEnvironment implements AutoCloseable {

    static final String DATABASE = "bench";
    /** Every bench event has this aggregate type, so each contender writes one topic. */
    static final String AGGREGATE_TYPE = "Order";

    private final PostgresInstance postgres;
    private final KafkaInstance kafka;

    private BenchEnvironment(PostgresInstance postgres, KafkaInstance kafka) {
        this.postgres = postgres;
        this.kafka = kafka;
    }

    static BenchEnvironment start() throws Exception {
        // a contender paused (SIGSTOP) while a big backlog is written must not lose its replication connection
        PostgresInstance postgres = Infrastructure.startPostgres(Map.of("wal_sender_timeout", "10min"));
        KafkaInstance kafka = null;
        try {
            kafka = Infrastructure.startKafka();
            BenchEnvironment env = new BenchEnvironment(postgres, kafka);
            postgres.createDatabase(DATABASE);
            OutboxSchema.migrate(env.dataSource());
            return env;
        }
        catch (Exception | Error e) {
            closeQuietly(kafka, e);
            closeQuietly(postgres, e);
            throw e;
        }
    }

    DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(postgres.jdbcUrl(DATABASE));
        ds.setUser(postgres.superuser());
        ds.setPassword(postgres.superuserPassword());
        // one multi-row INSERT per transaction instead of one round trip per event
        ds.setReWriteBatchedInserts(true);
        ds.setApplicationName("outbox-bench");
        return ds;
    }

    /** What contenders need to know, with their logs and configuration files in {@code logDirectory}. */
    BenchContext context(Path logDirectory, List<String> jvmOptions) {
        return new BenchContext(postgres.host(), postgres.port(), DATABASE, postgres.superuser(),
                postgres.superuserPassword(), kafka.bootstrapServers(), logDirectory, jvmOptions);
    }

    /** Creates a topic of one partition, like those of every contender. */
    void createTopic(String topic) throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
    }

    /** Empties the outbox between contenders (TRUNCATE is not published), so a polling publisher sees only its own rows. */
    void truncateOutbox() throws SQLException {
        try (Connection c = dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("TRUNCATE outbox.event");
            st.execute("VACUUM ANALYZE outbox.event");
        }
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        try {
            kafka.close();
        }
        catch (RuntimeException e) {
            failure = e;
        }
        try {
            postgres.close();
        }
        catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            }
            else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void closeQuietly(AutoCloseable closeable, Throwable failure) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        }
        catch (Exception e) {
            failure.addSuppressed(e);
        }
    }
}
