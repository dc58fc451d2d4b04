package io.outboxrelay.consumers.runtime;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Kafka for the end offsets of a consumer's assigned partitions every {@link ConsumerLag#REFRESH_MS} ms, on a
 * daemon thread of its own and with an admin client of its own (the consumer is not thread-safe and its poll thread
 * may be stuck in a transaction), and hands them to {@link ConsumerLag}: lag that grows while nothing is applied.
 */
final class EndOffsetWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EndOffsetWatch.class);

    private final Admin admin;
    private final ScheduledExecutorService thread;
    private final String group;
    private volatile boolean warned;

    EndOffsetWatch(Properties consumerProperties, String group, ConsumerLag lag) {
        Properties props = new Properties();
        consumerProperties.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(String.valueOf(k))) {
                props.put(k, v);
            }
        });
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, group + "-lag");
        this.group = group;
        this.admin = Admin.create(props);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "consumer-" + group + "-lag");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(() -> lag.refreshEndOffsets(this::latest), ConsumerLag.REFRESH_MS, ConsumerLag.REFRESH_MS,
                TimeUnit.MILLISECONDS);
    }

    private Map<TopicPartition, Long> latest(Set<TopicPartition> partitions) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        try {
            admin.listOffsets(request).all().get(ConsumerLag.REFRESH_MS, TimeUnit.MILLISECONDS)
                    .forEach((tp, info) -> out.put(tp, info.offset()));
            warned = false;
        }
        catch (ExecutionException | TimeoutException | RuntimeException e) {
            if (!warned) { // once per outage: the lag keeps its last values meanwhile
                warned = true;
                LOG.warn("Consumer {} could not read end offsets for its lag gauges: {}", group, e.toString());
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        admin.close(Duration.ofSeconds(5));
    }
}
