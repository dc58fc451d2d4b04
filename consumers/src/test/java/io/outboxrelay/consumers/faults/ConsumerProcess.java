package io.outboxrelay.consumers.faults;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outboxrelay.consumers.payment.PaymentCharger;
import io.outboxrelay.consumers.payment.PaymentProcessor;
import io.outboxrelay.consumers.payment.SimulatedGateway;
import io.outboxrelay.consumers.projection.OrderReadModel;
import io.outboxrelay.consumers.runtime.ConsumerSettings;
import io.outboxrelay.consumers.runtime.DataSources;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.consumers.runtime.EventHandler;

/**
 * The consumer side of the order pipeline as its own JVM, for {@link ConsumerKillIntegrationTests}:
 * the read model and the payment processor (charging through a {@link RecordingGateway}) on one
 * topic, until SIGTERM. Each consumer is a static group member ({@code group.instance.id}), so a
 * restarted process takes its partitions over at once instead of waiting for the killed member's
 * session to time out.
 *
 * <p>Arguments: bootstrap servers, JDBC URL, database user, topic, read-model group, payments group;
 * the database password comes from {@value #PASSWORD_VARIABLE}. Exit status 1 if a consumer fails.
 */
public final class ConsumerProcess {

    static final String PASSWORD_VARIABLE = "CONSUMER_DB_PASSWORD";
    static final String READY = "consumer process running";
    /** The gateway declines this share of keys, the same keys in every process. */
    static final double DECLINE_RATE = 0.1;
    static final long GATEWAY_SEED = 7;
    /** No settlement: the test compares what is reserved with what was charged. */
    private static final Duration NEVER_SETTLE = Duration.ofDays(3650);

    private ConsumerProcess() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String jdbcUrl = args[1];
        String user = args[2];
        String topic = args[3];
        String password = System.getenv(PASSWORD_VARIABLE);
        HikariDataSource readModelPool = DataSources.pooled(jdbcUrl, user, password, "read-model");
        HikariDataSource paymentsPool = DataSources.pooled(jdbcUrl, user, password, "payments");
        HikariDataSource gatewayPool = autoCommitPool(jdbcUrl, user, password);
        RecordingGateway gateway = new RecordingGateway(gatewayPool, new SimulatedGateway(DECLINE_RATE, Duration.ZERO, GATEWAY_SEED));
        EventConsumer readModel = consumer(bootstrap, args[4], OrderReadModel.SCHEMA, topic, readModelPool,
                new OrderReadModel(OrderReadModel.SCHEMA));
        EventConsumer payments = consumer(bootstrap, args[5], PaymentProcessor.SCHEMA, topic, paymentsPool,
                new PaymentProcessor(java.time.Clock.systemUTC(), NEVER_SETTLE));
        HikariDataSource chargerPool = DataSources.pooled(jdbcUrl, user, password, "payments-charger");
        PaymentCharger charger = new PaymentCharger(chargerPool, gateway,
                PaymentCharger.Settings.defaults().withSettleAfter(NEVER_SETTLE));

        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            readModel.close();
            payments.close();
            charger.close();
            chargerPool.close();
            gatewayPool.close();
            paymentsPool.close();
            readModelPool.close();
            closed.countDown();
        }, "consumer-process-stop"));
        for (EventConsumer consumer : List.of(readModel, payments)) {
            CompletableFuture<Void> stopped = consumer.stopped();
            stopped.whenComplete((ok, failure) -> {
                if (failure != null) {
                    System.err.println("consumer failed: " + failure);
                    Runtime.getRuntime().halt(1);
                }
            });
            consumer.start();
        }
        charger.start();
        System.out.println(READY);
        closed.await();
    }

    private static EventConsumer consumer(String bootstrap, String group, String schema, String topic,
                                          HikariDataSource pool, EventHandler handler) {
        ConsumerSettings settings = ConsumerSettings.builder(bootstrap, group, schema)
                .topics(List.of(topic))
                .kafkaProperty("group.instance.id", group + "-instance")
                .pollTimeout(Duration.ofMillis(200))
                .build();
        return new EventConsumer(settings, pool, handler, new SimpleMeterRegistry());
    }

    private static HikariDataSource autoCommitPool(String jdbcUrl, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setPoolName("gateway");
        config.setMaximumPoolSize(2);
        config.setAutoCommit(true);
        return new HikariDataSource(config);
    }
}
