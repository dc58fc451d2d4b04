package io.outboxrelay.consumers.runtime;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a consumer group is behind on a topic. (Resetting a group to replay lives with the relay's
 * CLI: {@code relay replay}.)
 */
public final class GroupOffsets {

    private GroupOffsets() {
    }

    /** Sum over {@code topic}'s partitions of their end offsets: how many records it has ever held. */
    public static long endOffsets(Admin admin, String topic) throws InterruptedException, ExecutionException {
        return latest(admin, topic).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Records on {@code topic} that {@code group} has not committed yet (all of them for a new group). */
    public static long lag(Admin admin, String group, String topic) throws InterruptedException, ExecutionException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        long lag = 0;
        for (Map.Entry<TopicPartition, Long> end : latest(admin, topic).entrySet()) {
            OffsetAndMetadata c = committed.get(end.getKey());
            lag += end.getValue() - (c == null ? 0 : c.offset());
        }
        return lag;
    }

    private static Map<TopicPartition, Long> latest(Admin admin, String topic)
            throws InterruptedException, ExecutionException {
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .forEach(p -> specs.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(specs).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }
}
