package io.outboxrelay.relay.testsupport;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.sql.OutboxHeaders;
import io.outboxrelay.testkit.DeliveryCheck;

/**
 * What reached Kafka, compared with what the sample load committed: lost, duplicated and out of order per aggregate as
 * testkit's {@link DeliveryCheck} counts them, plus what only the sample load can tell: events leaked from its
 * rolled-back transactions, and events routed wrongly (topic, key, headers, trace id, payload version).
 */
public final class Delivery {

    public final int committed;
    public final int delivered;
    public final Set<UUID> lost;
    public final Map<UUID, Integer> duplicates;
    public final Set<UUID> fromRolledBack = new HashSet<>();
    public final List<String> misrouted = new ArrayList<>();
    public final List<String> orderViolations;
    private final DeliveryCheck check;

    private Delivery(DeliveryCheck check) {
        this.check = check;
        this.committed = check.committed;
        this.delivered = check.delivered;
        this.lost = check.lost;
        this.duplicates = check.duplicates;
        this.orderViolations = check.orderViolations;
    }

    public static Delivery compare(SampleEventLoad.Result load, String topicPrefix,
                            Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records) {
        Map<UUID, SampleEventLoad.Written> expected = new HashMap<>();
        Map<UUID, DeliveryCheck.Committed> truth = new HashMap<>();
        load.committed().forEach(w -> {
            expected.put(w.eventId(), w);
            truth.put(w.eventId(), new DeliveryCheck.Committed(w.aggregateId(), w.version()));
        });
        Delivery d = new Delivery(DeliveryCheck.compare(truth, records, null));
        Set<UUID> rolledBack = new HashSet<>(load.rolledBack());
        for (UUID id : d.check.unexpected) {
            if (rolledBack.contains(id)) {
                d.fromRolledBack.add(id);
            }
            else {
                d.misrouted.add("unexpected event " + id);
            }
        }
        for (List<ConsumerRecord<byte[], byte[]>> partition : records.values()) {
            for (ConsumerRecord<byte[], byte[]> r : partition) {
                UUID id = UUID.fromString(DeliveryCheck.header(r, OutboxHeaders.EVENT_ID));
                SampleEventLoad.Written w = expected.get(id);
                if (w == null) {
                    continue;
                }
                String key = new String(r.key(), StandardCharsets.UTF_8);
                String wantTopic = topicPrefix + "." + w.aggregateType();
                if (!r.topic().equals(wantTopic) || !key.equals(w.aggregateId())
                        || !w.aggregateType().equals(DeliveryCheck.header(r, OutboxHeaders.AGGREGATE_TYPE))
                        || !"SampleChanged".equals(DeliveryCheck.header(r, OutboxHeaders.EVENT_TYPE))
                        || DeliveryCheck.header(r, OutboxHeaders.OCCURRED_AT) == null
                        || !("trace-" + id.toString().substring(0, 8)).equals(DeliveryCheck.header(r, "traceId"))) {
                    d.misrouted.add(id + " on " + r.topic() + " key " + key);
                }
                long version = DeliveryCheck.version(r);
                if (version != w.version()) {
                    d.misrouted.add(id + " payload version " + version + " != " + w.version());
                }
            }
        }
        return d;
    }

    public int duplicateCount() {
        return check.duplicateCount();
    }


    @Override
    public String toString() {
        return "committed=" + committed + " delivered=" + delivered + " lost=" + lost.size() + " duplicates="
                + duplicateCount() + " fromRolledBack=" + fromRolledBack.size() + " misrouted=" + misrouted.size()
                + " orderViolations=" + orderViolations.size();
    }

    /** Waits until every event the loads committed was delivered, then compares. */
    public static Delivery awaitNothingLost(RelayFixture fixture, List<SampleEventLoad.Result> written) {
        SampleEventLoad.Result all = merge(written);
        List<String> topics = fixture.sampleTopics();
        await().alias("every committed event delivered").atMost(Duration.ofSeconds(120))
                .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(250))
                .until(() -> Delivery.compare(all, fixture.topicPrefix, fixture.readAll(topics)).lost.isEmpty());
        return Delivery.compare(all, fixture.topicPrefix, fixture.readAll(topics));
    }

    /** The loads as one. */
    public static SampleEventLoad.Result merge(List<SampleEventLoad.Result> results) {
        List<SampleEventLoad.Written> committed = new ArrayList<>();
        List<UUID> rolledBack = new ArrayList<>();
        int transactions = 0;
        for (SampleEventLoad.Result r : results) {
            committed.addAll(r.committed());
            rolledBack.addAll(r.rolledBack());
            transactions += r.transactions();
        }
        return new SampleEventLoad.Result(committed, rolledBack, transactions);
    }

}
