package io.outboxrelay.pipeline.orders;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.outboxrelay.consumers.ops.ConsumerEndpoint;
import io.outboxrelay.consumers.payment.PaymentCharger;
import io.outboxrelay.consumers.payment.PaymentProcessor;
import io.outboxrelay.consumers.payment.SimulatedGateway;
import io.outboxrelay.consumers.projection.OrderReadModel;
import io.outboxrelay.consumers.runtime.ConsumerSettings;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.consumers.runtime.EventHandler;
import io.outboxrelay.consumers.runtime.PartitionLag;
import io.outboxrelay.legacy.LegacySchema;
import io.outboxrelay.legacy.compensation.OrderCompensation;
import io.outboxrelay.legacy.order.OrderService;
import io.outboxrelay.legacy.order.SeedData;
import io.outboxrelay.relay.Relay;
import io.outboxrelay.testkit.KafkaInstance;
import io.outboxrelay.testkit.PostgresInstance;

/**
 * The order pipeline wired on one PostgreSQL and one Kafka: databases and schemas, a relay per
 * outbox, and the three consumers (read model, payments, compensation), each under its own group;
 * the payments consumer comes with its {@link PaymentCharger}, started and stopped with it. Public for
 * {@code bench-orders} (module {@code bench}), which measures this same pipeline.
 */
public final class Pipeline implements AutoCloseable {

    static final String READ_MODEL = "read-model";
    static final String PAYMENTS = "payments";
    static final String COMPENSATION = "compensation";

    final Services services;
    final DataSource legacy;
    final DataSource payments;
    final DataSource readModel;
    final SimulatedGateway gateway;
    final Invariants invariants;
    private final Relay legacyRelay;
    private final Relay paymentsRelay;
    /** The relays' console pages by relay name; empty when they have no HTTP endpoint. */
    private final Map<String, URI> relayConsoles = new LinkedHashMap<>();
    /** By group, in start order; guarded by itself (the HTTP endpoint reads it from its own threads). */
    private final Map<String, EventConsumer> consumers = new LinkedHashMap<>();
    private final PaymentCharger.Settings chargerSettings;
    private PaymentCharger charger;

    private Pipeline(Services services, boolean newDatabases, boolean withRelays, boolean consoles, int clients, int customers,
                     double failureRate, PaymentCharger.Settings chargerSettings) throws Exception {
        this.services = services;
        this.chargerSettings = chargerSettings;
        legacy = services.database("legacy", clients + 4, newDatabases);
        payments = services.database("payments", 2, newDatabases);
        readModel = services.database("readmodel", 2, newDatabases);
        prepare(legacy, payments, readModel, customers);
        legacyRelay = withRelays ? services.relay("legacy", consoles ? relayConsoles : null) : null;
        paymentsRelay = withRelays ? services.relay("payments", consoles ? relayConsoles : null) : null;
        gateway = new SimulatedGateway(failureRate, Duration.ZERO, 7);
        invariants = new Invariants(legacy, payments, readModel);
    }

    /** Schemas and seed data of the three databases; idempotent, so that {@code setup} may run again. */
    static void prepare(DataSource legacy, DataSource payments, DataSource readModel, int customers) throws Exception {
        LegacySchema.migrate(legacy);
        SeedData.insert(legacy, customers, 50, 42);
        PaymentProcessor.migrate(payments);
        PaymentProcessor.importCredit(legacy, payments);
        OrderReadModel.migrate(readModel, OrderReadModel.SCHEMA);
        OrderCompensation.migrate(legacy);
    }

    /** Creates the databases, attaches the relays and starts the three consumers. */
    public static Pipeline start(PostgresInstance postgres, KafkaInstance kafka, int clients, int customers,
                                 double failureRate) throws Exception {
        return start(postgres, kafka, clients, customers, failureRate, PaymentCharger.Settings.defaults(), false);
    }

    /**
     * @param charger  how the payment charger retries and when payments settle
     * @param consoles give each relay an HTTP endpoint on 127.0.0.1 (a free port), whose console {@link #serve}'s page shows
     */
    static Pipeline start(PostgresInstance postgres, KafkaInstance kafka, int clients, int customers, double failureRate,
                          PaymentCharger.Settings charger, boolean consoles) throws Exception {
        return start(new Services(postgres, kafka), true, true, consoles, clients, customers, failureRate, charger);
    }

    /**
     * The three consumers only, on databases that {@code setup} prepared; the relays run as their
     * own processes (as in compose.yaml).
     */
    static Pipeline consumers(PostgresInstance postgres, KafkaInstance kafka, double failureRate) throws Exception {
        return start(new Services(postgres, kafka), false, false, false, 1, 0, failureRate, PaymentCharger.Settings.defaults());
    }

    private static Pipeline start(Services services, boolean newDatabases, boolean withRelays, boolean consoles, int clients,
                                  int customers, double failureRate, PaymentCharger.Settings charger) throws Exception {
        try {
            Pipeline pipeline = new Pipeline(services, newDatabases, withRelays, consoles, clients, customers, failureRate,
                    charger);
            pipeline.startConsumer(READ_MODEL);
            pipeline.startConsumer(PAYMENTS);
            pipeline.startConsumer(COMPENSATION);
            return pipeline;
        }
        catch (Exception | Error e) {
            services.close();
            throw e;
        }
    }

    /** Starts one of the three consumers under its usual group id. */
    EventConsumer startConsumer(String group) {
        EventConsumer consumer = switch (group) {
            case READ_MODEL -> consumer(group, OrderReadModel.SCHEMA, "outbox.Order", "readmodel",
                    new OrderReadModel(OrderReadModel.SCHEMA));
            case PAYMENTS -> {
                charger = services.charger(new PaymentCharger(services.consumerPool("payments", "payments-charger"), gateway,
                        chargerSettings));
                yield consumer(group, PaymentProcessor.SCHEMA, "outbox.Order", "payments",
                        new PaymentProcessor(java.time.Clock.systemUTC(), chargerSettings.settleAfter()));
            }
            case COMPENSATION -> consumer(group, OrderCompensation.SCHEMA, "outbox.Payment", "legacy",
                    new OrderCompensation(new OrderService(legacy)));
            default -> throw new IllegalArgumentException("no consumer " + group);
        };
        synchronized (consumers) {
            consumers.put(group, consumer);
        }
        return consumer;
    }

    /** Starts a read model in another schema of the read-model database, under another group. */
    EventConsumer startReadModel(String group, String schema) {
        OrderReadModel.migrate(readModel, schema);
        return consumer(group, schema, "outbox.Order", "readmodel", new OrderReadModel(schema));
    }

    void stopConsumer(String group) {
        EventConsumer consumer;
        synchronized (consumers) {
            consumer = consumers.remove(group);
        }
        consumer.close();
        if (group.equals(PAYMENTS) && charger != null) {
            charger.close();
            charger = null;
        }
    }

    /** The consumers started by {@link #startConsumer} and not stopped, in start order. */
    List<EventConsumer> consumers() {
        synchronized (consumers) {
            return new ArrayList<>(consumers.values());
        }
    }

    /**
     * Serves the consumers' metrics (with the PENDING payment gauges), health and status over HTTP
     * ({@link ConsumerEndpoint}), and its console page at {@code /} with the relays' consoles (when started with them)
     * beside the consumers: the pipeline's one page. Closed with the pipeline.
     *
     * @param port 0 picks a free port
     * @throws java.io.UncheckedIOException when the port cannot be bound
     */
    ConsumerEndpoint serve(String host, int port) {
        services.pendingPayments(payments);
        ConsumerEndpoint endpoint = services.endpoint(host, port, this::consumers);
        endpoint.showRelays(relayConsoles);
        return endpoint;
    }

    /** The relays' console pages by relay name, as {@link #serve}'s page shows them; empty without them. */
    Map<String, URI> relayConsoles() {
        return Collections.unmodifiableMap(relayConsoles);
    }

    /**
     * Each consumer's lag in records, summed over its partitions: {@code lag read-model 12 / payments 0 /
     * compensation 0}; {@code ?} while a partition's end offset is unknown or no partition is assigned.
     */
    String lagLine() {
        return consumers().stream().map(c -> c.group() + " " + lagEvents(c.lag())).collect(Collectors.joining(" / ", "lag ", ""));
    }

    static String lagEvents(List<PartitionLag> partitions) {
        if (partitions.isEmpty() || partitions.stream().anyMatch(p -> p.events() < 0)) {
            return "?";
        }
        return String.format("%,d", partitions.stream().mapToLong(PartitionLag::events).sum());
    }

    /** Places the load's orders in the background. */
    public static java.util.concurrent.CompletableFuture<io.outboxrelay.legacy.load.OrderLoad.Result> place(
            io.outboxrelay.legacy.load.OrderLoad load) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return load.run(n -> { });
            }
            catch (Exception e) {
                throw new IllegalStateException("placing orders failed: " + e.getMessage(), e);
            }
        });
    }

    /** Events relayed by this pipeline's own relays; -1 when the relays run elsewhere. */
    long eventsRelayed() {
        if (legacyRelay == null) {
            return -1;
        }
        return legacyRelay.stats().relayed() + paymentsRelay.stats().relayed();
    }

    Map<String, Long> measure() throws java.sql.SQLException {
        return invariants.measure(eventsRelayed());
    }

    private EventConsumer consumer(String group, String schema, String topic, String database, EventHandler handler) {
        ConsumerSettings settings = ConsumerSettings.builder(services.kafka.bootstrapServers(), group, schema)
                .topics(List.of(topic)).build();
        return services.consumer(new EventConsumer(settings, services.consumerPool(database, group), handler,
                services.metrics));
    }

    /** Completes with one line when one of the pipeline's relays or consumers fails by itself. */
    java.util.concurrent.CompletableFuture<String> failure() {
        return services.failure();
    }

    /** The order system's database (where orders are placed). */
    public DataSource legacyDb() {
        return legacy;
    }

    /** The read model's database. */
    public DataSource readModelDb() {
        return readModel;
    }

    @Override
    public void close() {
        services.close();
    }
}
