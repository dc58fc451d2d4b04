package io.outboxrelay.consumers.ops;

import static io.outboxrelay.consumers.testsupport.TestEvents.inPartition;
import static io.outboxrelay.consumers.testsupport.TestEvents.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.outboxrelay.consumers.runtime.ConsumerSchema;
import io.outboxrelay.consumers.runtime.Event;
import io.outboxrelay.consumers.runtime.EventConsumer;
import io.outboxrelay.consumers.runtime.EventHandler;
import io.outboxrelay.consumers.testsupport.ConsumerFixture;

/**
 * A consumer and its HTTP endpoint against real PostgreSQL and Kafka: per-partition lag that falls
 * to 0, event and dead-letter counters, readiness while it runs and after it stops or fails, /status.
 */
class ConsumerLagAndHealthIntegrationTests {

    private static final String SCHEMA = "endpoint_test";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<EventConsumer> consumers = new CopyOnWriteArrayList<>();
    private ConsumerFixture fixture;
    private ConsumerEndpoint endpoint;
    private String topic;
    private String group;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new ConsumerFixture();
        topic = fixture.name("outbox.Thing");
        group = fixture.name("things");
        fixture.createTopics(2, topic);
        ConsumerSchema.migrate(fixture.dataSource(), SCHEMA, "classpath:db/test_consumer");
        endpoint = ConsumerEndpoint.start("127.0.0.1", 0, registry, () -> consumers);
    }

    @AfterEach
    void tearDown() {
        consumers.forEach(EventConsumer::close);
        endpoint.close();
        fixture.close();
    }

    @Test
    void servesLagPerPartitionFallingToZeroCountersDeadLettersAndReadiness() throws Exception {
        assertThat(get("/health/ready").statusCode()).as("no consumer yet").isEqualTo(503);
        fixture.produce(things(1, 60));
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        // at most 10 records per poll; the 11th event waits at the gate, so the lag after the first batch(es) stays visible
        start(new Things(event -> {
            if (calls.incrementAndGet() > 10) {
                gate.await(20, TimeUnit.SECONDS);
            }
        }));

        // the partition read first is partly applied; the other's lag may still be unknown (NaN): its end offset comes
        // with the fetch of its records
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            String metrics = body("/metrics");
            assertThat(List.of("0", "1")).anySatisfy(partition -> {
                assertThat(value(metrics, "consumer_lag_events", "partition=\"" + partition + "\"")).isBetween(1.0, 29.0);
                assertThat(value(metrics, "consumer_lag_seconds", "partition=\"" + partition + "\"")).isPositive();
            });
        });
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo(group + " RUNNING, 2 partitions\n");

        gate.countDown();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            String metrics = body("/metrics");
            for (String partition : List.of("0", "1")) {
                assertThat(value(metrics, "consumer_lag_events", "partition=\"" + partition + "\"")).isZero();
                assertThat(value(metrics, "consumer_lag_seconds", "partition=\"" + partition + "\"")).isZero();
            }
            assertThat(value(metrics, "consumer_events_total", "outcome=\"handled\"")).isEqualTo(60);
        });
        assertThat(body("/metrics")).contains("# TYPE consumer_events_total counter", "consumer_transaction_seconds_count{",
                "consumer_batch_size_records_count{", "consumer_dead_letters_total{group=\"" + group + "\"} 0.0");

        // a record without an eventId header: dead-lettered, the partition still caught up
        fixture.produce(List.of(inPartition(record(topic, "thing-x", null, "Thing", "Thing", "{\"seq\":61}"), 1)));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            String metrics = body("/metrics");
            assertThat(value(metrics, "consumer_dead_letters_total", "group=\"" + group + "\"")).isEqualTo(1);
            assertThat(value(metrics, "consumer_lag_events", "partition=\"1\"")).isZero();
        });

        JsonNode status = JSON.readTree(body("/status"));
        assertThat(status.get("live").asBoolean()).isTrue();
        assertThat(status.get("ready").asBoolean()).isTrue();
        JsonNode things = status.get("consumers").get(group);
        assertThat(things.get("state").asText()).isEqualTo("RUNNING");
        assertThat(things.get("partitions")).hasSize(2);
        assertThat(things.get("partitions").get(1).get("topic").asText()).isEqualTo(topic);
        assertThat(things.get("partitions").get(1).get("partition").asInt()).isEqualTo(1);
        assertThat(things.get("lag_events").asLong()).isZero();
        assertThat(things.get("lag_seconds").asDouble()).isZero();
        assertThat(things.get("events").asLong()).isEqualTo(60);
        assertThat(things.get("dead_letters").asLong()).isEqualTo(1);

        assertThat(send("POST", "/metrics").statusCode()).isEqualTo(405);
        assertThat(send("HEAD", "/health/live").statusCode()).isEqualTo(200);
        assertThat(get("/health/ready/more").statusCode()).isEqualTo(404);
        assertThat(get("/nothing-here").statusCode()).isEqualTo(404);

        consumers.get(0).close();
        HttpResponse<String> stopped = get("/health/ready");
        assertThat(stopped.statusCode()).isEqualTo(503);
        assertThat(stopped.body()).isEqualTo(group + " STOPPED\n");
        assertThat(get("/health/live").statusCode()).as("stopped is not failed").isEqualTo(200);
        assertThat(body("/metrics")).as("a stopped consumer's partitions are gone").doesNotContain("consumer_lag_events{");
    }

    @Test
    void lagGrowsWhileTheConsumerIsStuckInItsTransaction() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        start(new Things(event -> {
            if (seq(event) == 1_000) { // the first record after the consumer caught up: its transaction hangs
                stuck.countDown();
                release.await(60, TimeUnit.SECONDS);
            }
        }));
        fixture.produce(things(1, 10));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            String metrics = body("/metrics");
            for (String partition : List.of("0", "1")) {
                assertThat(value(metrics, "consumer_lag_events", "partition=\"" + partition + "\"")).isZero();
            }
        });

        fixture.produce(List.of(inPartition(record(topic, "thing-s", UUID.randomUUID(), "Thing", "Thing", "{\"seq\":1000}"), 0)));
        assertThat(stuck.await(15, TimeUnit.SECONDS)).isTrue();
        fixture.produce(things(1_001, 1_040).stream().map(r -> inPartition(r, 0)).toList());
        // the poll thread is stuck: only the end offsets asked of Kafka on the side can show it
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            String metrics = body("/metrics");
            assertThat(value(metrics, "consumer_lag_events", "partition=\"0\"")).isEqualTo(41);
            assertThat(value(metrics, "consumer_lag_seconds", "partition=\"0\"")).isGreaterThan(2);
        });
        double before = value(body("/metrics"), "consumer_lag_seconds", "partition=\"0\"");
        Thread.sleep(1_100);
        assertThat(value(body("/metrics"), "consumer_lag_seconds", "partition=\"0\"")).as("grows while stuck").isGreaterThan(before);

        release.countDown();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            String metrics = body("/metrics");
            assertThat(value(metrics, "consumer_lag_events", "partition=\"0\"")).isZero();
            assertThat(value(metrics, "consumer_lag_seconds", "partition=\"0\"")).isZero();
        });
    }

    @Test
    void failedConsumerIsNeitherLiveNorReady() throws Exception {
        EventConsumer consumer = start(new Things(event -> {
            if (seq(event) == 2) {
                throw new IllegalStateException("a bug in the handler");
            }
        }));
        await().atMost(Duration.ofSeconds(15)).until(() -> get("/health/ready").statusCode() == 200);
        assertThat(get("/health/live").statusCode()).isEqualTo(200);

        fixture.produce(things(1, 2));
        await().atMost(Duration.ofSeconds(15)).until(() -> consumer.state() == EventConsumer.State.FAILED);

        HttpResponse<String> live = get("/health/live");
        assertThat(live.statusCode()).isEqualTo(503);
        assertThat(live.body()).isEqualTo(group + " FAILED\n");
        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
        JsonNode status = JSON.readTree(body("/status"));
        assertThat(status.get("live").asBoolean()).isFalse();
        assertThat(status.get("consumers").get(group).get("state").asText()).isEqualTo("FAILED");
        assertThat(status.get("consumers").get(group).get("partitions")).isEmpty();
    }

    private EventConsumer start(EventHandler handler) {
        EventConsumer consumer = new EventConsumer(fixture.settings(group, SCHEMA, List.of(topic))
                .kafkaProperty("max.poll.records", "10").build(), fixture.dataSource(), handler, registry);
        consumers.add(consumer);
        return consumer.start();
    }

    /** Events 1..n, alternating between the two partitions. */
    private List<ProducerRecord<byte[], byte[]>> things(int from, int to) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (int n = from; n <= to; n++) {
            out.add(inPartition(record(topic, "thing-" + n, UUID.randomUUID(), "Thing", "Thing", "{\"seq\":" + n + "}"), n % 2));
        }
        return out;
    }

    private static int seq(Event event) {
        return event.payload().get("seq").intValue();
    }

    /** The value of the one sample of {@code name} (this test's group only) whose labels contain {@code label}. */
    private double value(String metrics, String name, String label) {
        Pattern sample = Pattern.compile("^" + Pattern.quote(name) + "\\{(.*)\\} (\\S+)$", Pattern.MULTILINE);
        Matcher m = sample.matcher(metrics);
        List<Double> values = new ArrayList<>();
        while (m.find()) {
            if (m.group(1).contains(label) && m.group(1).contains("group=\"" + group + "\"")) {
                values.add(Double.parseDouble(m.group(2)));
            }
        }
        assertThat(values).as(name + "{" + label + "} in\n" + metrics).hasSize(1);
        return values.get(0);
    }

    private String body(String path) throws Exception {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response.body();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send("GET", path);
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint.uri() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @FunctionalInterface
    private interface Hook {
        void before(Event event) throws Exception;
    }

    /** Records each Thing in the test schema's seen table, after a hook that may wait or fail. */
    private record Things(Hook hook) implements EventHandler {

        @Override
        public Set<String> handledEventTypes() {
            return Set.of("Thing");
        }

        @Override
        public void handle(Event event, Connection connection) throws SQLException {
            try {
                hook.before(event);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            catch (SQLException | RuntimeException e) {
                throw e;
            }
            catch (Exception e) {
                throw new IllegalStateException(e);
            }
            try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + SCHEMA + ".seen (event_id, seq) VALUES (?, ?)")) {
                ps.setObject(1, event.eventId());
                ps.setInt(2, seq(event));
                ps.executeUpdate();
            }
        }
    }
}
