package io.outboxrelay.pipeline.orders;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;

import io.outboxrelay.pipeline.PipelineErrors;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/** PostgreSQL and Kafka that run elsewhere: the pipeline uses them and leaves them running. */
final class ExternalInfrastructure {

    private ExternalInfrastructure() {
    }

    /** PostgreSQL at {@code address}, as {@code user} with the password from PGPASSWORD (never from the command line). */
    static PostgresInstance postgres(HostPort address, String user) {
        return postgres(address.host(), address.port(), user, System.getenv().getOrDefault("PGPASSWORD", ""));
    }

    static PostgresInstance postgres(String host, int port, String user, String password) {
        return new PostgresInstance() {
            @Override
            public String host() {
                return host;
            }

            @Override
            public int port() {
                return port;
            }

            @Override
            public String superuser() {
                return user;
            }

            @Override
            public String superuserPassword() {
                return password;
            }

            @Override
            public void close() {
                // not ours to stop
            }
        };
    }

    /**
     * Kafka at {@code bootstrapServers}, once a broker answered: a consumer pointed at a wrong address would otherwise
     * wait for it forever without a word.
     *
     * @throws PipelineErrors.UnreachableException when no broker answers within {@code timeout}
     */
    static KafkaInstance reachableKafka(String bootstrapServers, Duration timeout) {
        Map<String, Object> props = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "outbox-pipeline-check",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000));
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (ExecutionException | TimeoutException | KafkaException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new PipelineErrors.UnreachableException("no Kafka broker at " + bootstrapServers + " answered within "
                    + timeout.toSeconds() + " s (" + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + "): check --kafka", cause);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PipelineErrors.UnreachableException("interrupted while asking Kafka at " + bootstrapServers, e);
        }
        return kafka(bootstrapServers);
    }

    static KafkaInstance kafka(String bootstrapServers) {
        return new KafkaInstance() {
            @Override
            public String bootstrapServers() {
                return bootstrapServers;
            }

            @Override
            public void close() {
                // not ours to stop
            }
        };
    }
}
