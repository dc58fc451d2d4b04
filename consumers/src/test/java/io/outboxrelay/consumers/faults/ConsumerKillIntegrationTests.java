package io.outboxrelay.consumers.faults;

import static io.outboxrelay.consumers.testsupport.TestEvents.orderCancelled;
import static io.outboxrelay.consumers.testsupport.TestEvents.orderPlaced;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.outboxrelay.consumers.payment.PaymentProcessor;
import io.outboxrelay.consumers.projection.OrderReadModel;
import io.outboxrelay.consumers.testsupport.ConsumerFixture;

/**
 * Fault scenario 5: the consumers (read model and payment processor, in a child JVM) halted again and
 * again exactly between a record's database commit and its offset commit ({@code FaultPoint}, system
 * property {@value #HALT_PROPERTY}), each time restarted; then one run to the end. Every event must be
 * applied exactly once: the read model equals what the events say, every order has one payment
 * outcome, the gateway charged each idempotency key once, no payment event twice, credit reserved
 * equals what was charged. It prints how many records were redelivered after the kills and how many
 * duplicate effects there were (must be 0).
 *
 * <p>Quick by default (3 kills); {@code -Dfaults.full=true} runs the full 20 kills on a larger stream.
 */
class ConsumerKillIntegrationTests {

    /** FaultPoint's system property and exit status (package-private in the runtime, documented test-only). */
    static final String HALT_PROPERTY = "outbox.fault.halt-after-commit";
    static final int HALT_STATUS = 86;

    private static final boolean FULL = Boolean.getBoolean("faults.full");
    private static final int KILLS = FULL ? 20 : 3;
    private static final int ORDERS = FULL ? 800 : 150;
    private static final int CUSTOMERS = 12;
    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    @TempDir
    Path dir;

    private ConsumerFixture fixture;
    private String topic;
    private String readModelGroup;
    private String paymentsGroup;
    private Process running;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new ConsumerFixture();
        topic = fixture.name("outbox.Order");
        readModelGroup = fixture.name("read-model");
        paymentsGroup = fixture.name("payments");
        fixture.createTopics(3, topic);
        OrderReadModel.migrate(fixture.dataSource(), OrderReadModel.SCHEMA);
        PaymentProcessor.migrate(fixture.dataSource());
        try (var c = fixture.autoCommitDataSource().getConnection(); var st = c.createStatement()) {
            st.execute(RecordingGateway.SCHEMA_SQL);
        }
    }

    @AfterEach
    void tearDown() {
        if (running != null && running.isAlive()) {
            running.destroyForcibly();
        }
        fixture.close();
    }

    @Test
    void consumersHaltedBetweenDatabaseCommitAndOffsetCommitApplyEveryEventExactlyOnce() throws Exception {
        long seed = Long.getLong("faults.seed", System.nanoTime());
        Random random = new Random(seed);
        Source source = new Source(random);
        credit(source);
        List<RecordMetadata> offsets = fixture.produce(source.records);
        Map<UUID, TopicPartition> partitionOf = new HashMap<>();
        Map<UUID, Long> offsetOf = new HashMap<>();
        for (int i = 0; i < offsets.size(); i++) {
            partitionOf.put(source.eventIds.get(i), new TopicPartition(topic, offsets.get(i).partition()));
            offsetOf.put(source.eventIds.get(i), offsets.get(i).offset());
        }

        // at most 80% of all commits (two consumers) spent on kills, so the last kill still finds work
        int most = Math.max(10, (int) (2 * source.records.size() * 0.8 / KILLS));
        long redelivered = 0;
        long seenAsDuplicates = 0;
        for (int kill = 1; kill <= KILLS; kill++) {
            int haltAfter = 5 + random.nextInt(most - 4);
            Path log = dir.resolve("consumer-" + kill + ".log");
            Process process = start(log, haltAfter);
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("run %d ends at its fault point; log:%n%s", kill, tail(log)).isTrue();
            assertThat(process.exitValue()).as("run %d halted by the fault point; log:%n%s", kill, tail(log)).isEqualTo(HALT_STATUS);
            long pending = processedButNotCommitted(readModelGroup, OrderReadModel.SCHEMA, partitionOf, offsetOf)
                    + processedButNotCommitted(paymentsGroup, PaymentProcessor.SCHEMA, partitionOf, offsetOf);
            assertThat(pending).as("run %d halted after a database commit whose offset was not committed", kill).isPositive();
            redelivered += pending;
            seenAsDuplicates += duplicatesLogged(log);
        }
        Path last = dir.resolve("consumer-last.log");
        Process process = start(last, 0);
        await("both groups caught up, no payment pending").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(process.isAlive()).as("last run alive; log:%n%s", tail(last)).isTrue();
            return fixture.lag(readModelGroup, List.of(topic)) == 0 && fixture.lag(paymentsGroup, List.of(topic)) == 0
                    && fixture.count("SELECT count(*) FROM payment.payment WHERE status = 'PENDING'"
                    + " OR (status = 'COMPLETED' AND refund_requested_at IS NOT NULL AND refunded_at IS NULL)") == 0;
        });
        process.destroy();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        seenAsDuplicates += duplicatesLogged(last);

        long duplicateEffects = assertAppliedExactlyOnce(source);
        long repeatedGatewayRequests = fixture.count("SELECT count(*) - count(DISTINCT idempotency_key) FROM gateway.request");
        assertThat(seenAsDuplicates).as("redelivered records the consumers skipped").isPositive().isLessThanOrEqualTo(redelivered);
        System.out.printf("consumer kills between database commit and offset commit: %d kills (seed %d), %d events x 2 consumers:"
                        + " %d records redelivered after the kills, %d read again and skipped as duplicates, %d gateway requests"
                        + " repeated (answered from its idempotency record), %d duplicate effects%n",
                KILLS, seed, source.records.size(), redelivered, seenAsDuplicates, repeatedGatewayRequests, duplicateEffects);
    }

    /** @return the duplicate effects found: asserted to be 0 */
    private long assertAppliedExactlyOnce(Source source) throws SQLException {
        // read model equals the source
        List<List<Object>> expectedOrders = new ArrayList<>();
        source.orders.forEach((id, o) -> expectedOrders.add(List.of(id, o.customer, o.cancelled ? "CANCELLED" : "PLACED",
                o.total.setScale(2).toPlainString(), o.cancelled ? 2 : 1)));
        assertThat(fixture.rows("SELECT order_id, customer_id, status, total, version FROM read_model.order_view"))
                .as("read model orders").containsExactlyInAnyOrderElementsOf(expectedOrders);
        Map<UUID, List<Object>> summary = new TreeMap<>();
        source.orders.forEach((id, o) -> {
            List<Object> row = summary.computeIfAbsent(o.customer, c -> new ArrayList<>(List.of(c, 0, BigDecimal.ZERO.setScale(2))));
            if (!o.cancelled) {
                row.set(1, (Integer) row.get(1) + 1);
                row.set(2, ((BigDecimal) row.get(2)).add(o.total));
            }
        });
        List<List<Object>> expectedSummary = summary.values().stream()
                .map(r -> List.<Object>of(r.get(0), r.get(1), ((BigDecimal) r.get(2)).toPlainString())).toList();
        assertThat(fixture.rows("SELECT customer_id, order_count, total FROM read_model.customer_summary"))
                .as("read model customer summaries").containsExactlyInAnyOrderElementsOf(expectedSummary);

        // one payment outcome per order, one charge per key, one payment event per order, credit as charged
        assertThat(fixture.rows("SELECT order_id FROM payment.payment")).extracting(r -> r.get(0))
                .as("orders with a payment outcome").containsExactlyInAnyOrderElementsOf(source.orders.keySet());
        assertThat(fixture.count("SELECT count(*) FROM payment.payment p LEFT JOIN gateway.charge g USING (idempotency_key)"
                + " WHERE (p.status = 'REJECTED') <> (g.idempotency_key IS NULL)"
                + " OR (p.status <> 'REJECTED' AND (g.amount <> p.amount OR g.approved <> (p.status = 'COMPLETED')))"))
                .as("payments whose charge is missing, unexpected or different").isZero();
        long charges = fixture.count("SELECT count(*) FROM gateway.charge");
        assertThat(charges).isEqualTo(fixture.count("SELECT count(*) FROM payment.payment WHERE status <> 'REJECTED'"));
        assertThat(fixture.count("SELECT count(*) FROM outbox.event WHERE event_type <> 'PaymentRefunded'"))
                .as("payment outcome events").isEqualTo(source.orders.size());
        // a cancelled order whose payment completed is refunded once (the settlement is off in this test)
        assertThat(fixture.count("SELECT count(*) FROM outbox.event WHERE event_type = 'PaymentRefunded'"))
                .as("refund events").isEqualTo(fixture.count("SELECT count(*) FROM payment.payment WHERE refunded_at IS NOT NULL"));
        long extraProcessed = fixture.count("SELECT count(*) FROM read_model.processed_event") - source.records.size()
                + fixture.count("SELECT count(*) FROM payment.processed_event") - source.records.size();
        assertThat(extraProcessed).as("events marked processed more or less than once").isZero();

        // an effect applied twice would show here: a second payment event for an order, an order counted twice
        // in its customer's summary, credit reserved twice for one charge
        long extraPaymentEvents = fixture.count("SELECT count(*) - count(DISTINCT (aggregate_id, event_type)) FROM outbox.event");
        long ordersCountedTwice = fixture.count("SELECT coalesce(sum(order_count), 0) FROM read_model.customer_summary")
                - source.orders.values().stream().filter(o -> !o.cancelled()).count();
        long creditReservedTwice = fixture.count("SELECT count(*) FROM payment.credit c WHERE reserved > (SELECT coalesce(sum(amount), 0)"
                + " FROM payment.payment p WHERE p.customer_id = c.customer_id AND p.status = 'COMPLETED' AND p.refunded_at IS NULL)");
        assertThat(fixture.count("SELECT count(*) FROM payment.credit c WHERE reserved <> (SELECT coalesce(sum(amount), 0)"
                + " FROM payment.payment p WHERE p.customer_id = c.customer_id AND p.status = 'COMPLETED' AND p.refunded_at IS NULL)"))
                .as("customers whose reserved credit is not what was charged and not refunded").isZero();
        long duplicateEffects = extraPaymentEvents + Math.max(0, ordersCountedTwice) + creditReservedTwice;
        assertThat(duplicateEffects).as("duplicate effects").isZero();
        return duplicateEffects;
    }

    /** Events of the read model's or the payments' group in processed_event whose offsets the group has not committed. */
    private long processedButNotCommitted(String group, String schema, Map<UUID, TopicPartition> partitionOf,
                                          Map<UUID, Long> offsetOf) throws Exception {
        Map<TopicPartition, Long> committed = fixture.committedOffsets(group);
        return fixture.rows("SELECT event_id FROM " + schema + ".processed_event").stream()
                .map(r -> (UUID) r.get(0))
                .filter(id -> offsetOf.get(id) >= committed.getOrDefault(partitionOf.get(id), 0L))
                .count();
    }

    private Process start(Path log, int haltAfter) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Dlog4j2.configurationFile=log4j2-consumer-process.xml"));
        if (haltAfter > 0) {
            command.add("-D" + HALT_PROPERTY + "=" + haltAfter);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ConsumerProcess.class.getName(),
                fixture.bootstrapServers(), fixture.dataSource().getJdbcUrl(), fixture.dataSource().getUsername(), topic,
                readModelGroup, paymentsGroup));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put(ConsumerProcess.PASSWORD_VARIABLE, fixture.dataSource().getPassword());
        running = builder.start();
        return running;
    }

    private static long duplicatesLogged(Path log) throws IOException {
        try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains("was already processed")).count();
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private void credit(Source source) throws SQLException {
        for (UUID customer : source.customers) {
            // small limits for some customers, so that credit rejections are part of the stream
            int limit = source.customers.indexOf(customer) % 3 == 0 ? 400 : 100_000;
            fixture.rows("INSERT INTO payment.credit (customer_id, credit_limit) VALUES ('" + customer + "', " + limit
                    + ") RETURNING customer_id");
        }
    }

    /** An order as the events describe it. */
    private record OrderFacts(UUID customer, BigDecimal total, boolean cancelled) {
    }

    /** The stream: every order placed, one in twenty cancelled later (same key, so after it in its partition). */
    private final class Source {
        final List<UUID> customers = new ArrayList<>();
        final Map<UUID, OrderFacts> orders = new TreeMap<>();
        final List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        final List<UUID> eventIds = new ArrayList<>();

        Source(Random random) {
            for (int i = 0; i < CUSTOMERS; i++) {
                customers.add(new UUID(0x0000_0000_0000_4000L, 0x8000_0000_0000_0000L + i));
            }
            List<UUID> placed = new ArrayList<>();
            for (int i = 0; i < ORDERS; i++) {
                UUID order = UUID.randomUUID();
                UUID customer = customers.get(random.nextInt(CUSTOMERS));
                BigDecimal total = BigDecimal.valueOf(1000 + random.nextInt(19_000), 2);
                add(orderPlaced(topic, UUID.randomUUID(), order, customer, 1, total.toPlainString(), 1 + random.nextInt(3),
                        T0.plusSeconds(i)));
                orders.put(order, new OrderFacts(customer, total, false));
                placed.add(order);
                if (i % 20 == 19) {
                    UUID cancelled = placed.get(random.nextInt(placed.size()));
                    OrderFacts facts = orders.get(cancelled);
                    if (!facts.cancelled()) {
                        add(orderCancelled(topic, UUID.randomUUID(), cancelled, facts.customer(), 2, "customer asked",
                                T0.plusSeconds(i)));
                        orders.put(cancelled, new OrderFacts(facts.customer(), facts.total(), true));
                    }
                }
            }
        }

        private void add(ProducerRecord<byte[], byte[]> record) {
            records.add(record);
            eventIds.add(UUID.fromString(new String(record.headers().lastHeader("eventId").value(), StandardCharsets.UTF_8)));
        }
    }
}
