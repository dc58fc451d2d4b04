package io.outboxrelay.pipeline.ops;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import javax.sql.DataSource;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.outboxrelay.consumers.payment.PendingPayments;
import io.outboxrelay.consumers.runtime.ConsumerRuntimeMeters;
import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.ops.RelayOperations;

/**
 * What the code exports to Prometheus, read from the real exporters: a relay's {@code /metrics} (its
 * {@link RelayOperations}, started on a free loopback port without a relay or a database) and a consumers
 * process's registry with a consumer's meters and the pending-payment gauges (no database: NaN, still
 * exported).
 *
 * @param samples  every sample name of the scrapes ({@code consumer_transaction_seconds_count}, ...)
 * @param families each family's name ({@code # TYPE} lines) and type: {@code counter}, {@code gauge}, {@code summary}, ...
 */
record ExportedMetrics(Set<String> samples, Map<String, String> families) {

    static ExportedMetrics scrape() throws IOException, InterruptedException {
        Set<String> samples = new TreeSet<>();
        Map<String, String> families = new TreeMap<>();
        read(relayScrape(), samples, families);
        read(consumersScrape(), samples, families);
        return new ExportedMetrics(samples, families);
    }

    private static String relayScrape() throws IOException, InterruptedException {
        Properties properties = new Properties();
        properties.putAll(Map.of("relay.name", "alert-rules", "database.name", "orders", "database.user", "relay",
                "kafka.bootstrap.servers", "localhost:9092", "http.host", "127.0.0.1", "http.port", "0"));
        try (RelayOperations ops = RelayOperations.start(RelayConfig.from(properties, Map.of()))) {
            URI metrics = ops.uri().resolve("/metrics");
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(metrics + " answered " + response.statusCode());
            }
            return response.body();
        }
    }

    /** As the consumers process registers them (Services): one registry, the runtime's meters per group, the payment gauges. */
    private static String consumersScrape() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ConsumerRuntimeMeters.register(registry, "read-model", "outbox.Order");
        DataSource unreachable = (DataSource) Proxy.newProxyInstance(ExportedMetrics.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    throw new SQLException("no payments database in this test");
                });
        try (PendingPayments pending = PendingPayments.start(unreachable, registry, Duration.ofHours(1))) {
            return registry.scrape();
        }
        finally {
            registry.close();
        }
    }

    private static void read(String scrape, Set<String> samples, Map<String, String> families) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                families.put(parts[2], parts[3]);
            }
            else if (!line.isBlank() && !line.startsWith("#")) {
                int end = line.indexOf('{');
                samples.add(line.substring(0, end >= 0 ? end : line.indexOf(' ')));
            }
        }
    }
}
