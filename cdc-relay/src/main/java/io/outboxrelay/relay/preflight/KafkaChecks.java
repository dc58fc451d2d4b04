package io.outboxrelay.relay.preflight;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.error.Causes;
import io.outboxrelay.relay.kafka.ProducerSettings;

/**
 * Checks that the Kafka cluster answers and accepts the relay's credentials, then that the relay may
 * create the topics it needs ({@link TopicChecks}), before the relay reads anything from the database.
 */
final class KafkaChecks {

    private static final Pattern SSL_STORE = Pattern.compile("(?i)SSL (key|trust)store");
    /** Only the user name is ever taken from the JAAS config: the rest holds the password. */
    private static final Pattern JAAS_USERNAME = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");

    private final RelayConfig config;
    private final String bootstrap;
    private final int timeoutMs;

    KafkaChecks(RelayConfig config) {
        this.config = config;
        this.bootstrap = config.get(RelayConfig.KAFKA_BOOTSTRAP);
        this.timeoutMs = config.getInt(RelayConfig.STARTUP_TIMEOUT_MS);
    }

    void run() {
        Map<String, Object> props = ProducerSettings.admin(config, "preflight");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().nodes().get(timeoutMs, TimeUnit.MILLISECONDS);
            new TopicChecks(config, admin, principal()).run();
            if (config.exactlyOnce()) {
                new TransactionChecks(config, admin).run();
            }
        }
        catch (ExecutionException e) {
            throw e.getCause() instanceof AuthenticationException auth ? rejected(auth) : unreachable(e);
        }
        catch (TimeoutException e) {
            throw unreachable(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while checking Kafka at " + bootstrap, e);
        }
        catch (org.apache.kafka.common.KafkaException e) {
            Throwable store = storeProblem(e);
            if (store != null) {
                // Kafka's message names the file and its type, the cause says what is wrong with it; neither quotes a password
                Throwable why = store.getCause() == null ? store : store.getCause();
                throw new StartupException("cannot use Kafka at " + bootstrap + ": " + Causes.firstLine(store)
                        + (why == store ? "" : " (" + Causes.firstLine(why) + ")")
                        + ": check kafka.producer.ssl.truststore.location and kafka.producer.ssl.truststore.password"
                        + " (and kafka.producer.ssl.keystore.* for a client certificate)", e);
            }
            throw new StartupException("cannot use Kafka at " + bootstrap + ": " + Causes.firstLine(e)
                    + ": check kafka.bootstrap.servers", e);
        }
    }

    private StartupException unreachable(Exception e) {
        return new StartupException("cannot reach Kafka at " + bootstrap + " within " + timeoutMs
                + " ms: check kafka.bootstrap.servers, that the brokers are up, and any TLS/SASL settings under kafka.producer.*", e);
    }

    /** Kafka's own messages name the mechanism, never the password; ours do not quote the JAAS config either. */
    private StartupException rejected(AuthenticationException e) {
        if (e instanceof SaslAuthenticationException) {
            String mechanism = ProducerSettings.security(config).getOrDefault(SaslConfigs.SASL_MECHANISM, SaslConfigs.DEFAULT_SASL_MECHANISM);
            return new StartupException("Kafka at " + bootstrap + " rejected the SASL credentials of " + principal()
                    + " (mechanism " + mechanism + "): check kafka.producer.sasl.jaas.config", e);
        }
        if (e instanceof SslAuthenticationException) {
            return new StartupException("the TLS handshake with Kafka at " + bootstrap + " failed (" + Causes.firstLine(e)
                    + "): check the kafka.producer.ssl.* settings", e);
        }
        return new StartupException("Kafka at " + bootstrap + " did not authenticate the relay (" + Causes.firstLine(e)
                + "): check the kafka.producer.security.protocol, sasl.* and ssl.* settings", e);
    }

    /** Kafka's "Failed to load SSL keystore FILE of type T" (it says keystore for trust stores too), wherever in the chain. */
    private static Throwable storeProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && SSL_STORE.matcher(t.getMessage()).find()) {
                return t;
            }
        }
        return null;
    }

    /** The principal as kafka-acls names it, for the messages; the PLAIN/SCRAM user name when there is one. */
    private String principal() {
        String jaas = ProducerSettings.security(config).get(SaslConfigs.SASL_JAAS_CONFIG);
        Matcher user = JAAS_USERNAME.matcher(jaas == null ? "" : jaas);
        return user.find() ? "User:" + user.group(1) : "<the relay's principal>";
    }
}
