package io.outboxrelay.relay.preflight;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.kafka.ProducerSettings;

/** Checks that the Kafka cluster answers before the relay reads anything from the database. */
final class KafkaChecks {

    private final RelayConfig config;

    KafkaChecks(RelayConfig config) {
        this.config = config;
    }

    void run() {
        String bootstrap = config.get(RelayConfig.KAFKA_BOOTSTRAP);
        int timeoutMs = config.getInt(RelayConfig.STARTUP_TIMEOUT_MS);
        Map<String, Object> props = ProducerSettings.admin(config, "preflight");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().nodes().get(timeoutMs, TimeUnit.MILLISECONDS);
        }
        catch (TimeoutException | ExecutionException e) {
            throw new StartupException("cannot reach Kafka at " + bootstrap + " within " + timeoutMs
                    + " ms: check kafka.bootstrap.servers, that the brokers are up, and any TLS/SASL settings under kafka.producer.*", e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while checking Kafka at " + bootstrap, e);
        }
        catch (org.apache.kafka.common.KafkaException e) {
            throw new StartupException("cannot use Kafka at " + bootstrap + ": " + DatabaseChecks.firstLine(e)
                    + ": check kafka.bootstrap.servers", e);
        }
    }
}
