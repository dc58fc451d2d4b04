package io.outboxrelay.relay;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

import io.outboxrelay.legacy.load.SampleEventLoad;
import io.outboxrelay.sql.OutboxHeaders;

/**
 * What reached Kafka, compared with what the sample load committed: lost, duplicated, leaked from
 * rolled-back transactions, out of order per aggregate, or routed wrongly.
 */
final class Delivery {

    private static final Pattern VERSION = Pattern.compile("\"version\": ?(\\d+)");

    final int committed;
    final int delivered;
    final Set<UUID> lost = new HashSet<>();
    final Map<UUID, Integer> duplicates = new HashMap<>();
    final Set<UUID> fromRolledBack = new HashSet<>();
    final List<String> misrouted = new ArrayList<>();
    final List<String> orderViolations = new ArrayList<>();

    private Delivery(int committed, int delivered) {
        this.committed = committed;
        this.delivered = delivered;
    }

    static Delivery compare(SampleEventLoad.Result load, String topicPrefix,
                            Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records) {
        Map<UUID, SampleEventLoad.Written> expected = new HashMap<>();
        load.committed().forEach(w -> expected.put(w.eventId(), w));
        Set<UUID> rolledBack = new HashSet<>(load.rolledBack());
        int total = records.values().stream().mapToInt(List::size).sum();
        Delivery d = new Delivery(expected.size(), total);

        Map<UUID, Integer> seen = new HashMap<>();
        Map<String, Long> lastVersion = new HashMap<>();
        for (List<ConsumerRecord<byte[], byte[]>> partition : records.values()) {
            for (ConsumerRecord<byte[], byte[]> r : partition) {
                UUID id = UUID.fromString(header(r, OutboxHeaders.EVENT_ID));
                seen.merge(id, 1, Integer::sum);
                if (rolledBack.contains(id)) {
                    d.fromRolledBack.add(id);
                    continue;
                }
                SampleEventLoad.Written w = expected.get(id);
                if (w == null) {
                    d.misrouted.add("unexpected event " + id);
                    continue;
                }
                String key = new String(r.key(), StandardCharsets.UTF_8);
                String wantTopic = topicPrefix + "." + w.aggregateType();
                if (!r.topic().equals(wantTopic) || !key.equals(w.aggregateId())
                        || !w.aggregateType().equals(header(r, OutboxHeaders.AGGREGATE_TYPE))
                        || !"SampleChanged".equals(header(r, OutboxHeaders.EVENT_TYPE))
                        || header(r, OutboxHeaders.OCCURRED_AT) == null
                        || !("trace-" + id.toString().substring(0, 8)).equals(header(r, "traceId"))) {
                    d.misrouted.add(id + " on " + r.topic() + " key " + key);
                }
                long version = version(r);
                if (version != w.version()) {
                    d.misrouted.add(id + " payload version " + version + " != " + w.version());
                }
                // a duplicate may repeat an earlier version; what must never happen is a gap or a step back
                // on first delivery, which is what the set of first deliveries below checks
                if (seen.get(id) == 1) {
                    long previous = lastVersion.getOrDefault(w.aggregateId(), 0L);
                    if (version != previous + 1) {
                        d.orderViolations.add(w.aggregateId() + ": version " + version + " after " + previous);
                    }
                    lastVersion.put(w.aggregateId(), version);
                }
            }
        }
        seen.forEach((id, n) -> {
            if (n > 1) {
                d.duplicates.put(id, n - 1);
            }
        });
        expected.keySet().stream().filter(id -> !seen.containsKey(id)).forEach(d.lost::add);
        return d;
    }

    int duplicateCount() {
        return duplicates.values().stream().mapToInt(Integer::intValue).sum();
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static long version(ConsumerRecord<byte[], byte[]> r) {
        Matcher m = VERSION.matcher(new String(r.value(), StandardCharsets.UTF_8));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @Override
    public String toString() {
        return "committed=" + committed + " delivered=" + delivered + " lost=" + lost.size() + " duplicates="
                + duplicateCount() + " fromRolledBack=" + fromRolledBack.size() + " misrouted=" + misrouted.size()
                + " orderViolations=" + orderViolations.size();
    }
}
