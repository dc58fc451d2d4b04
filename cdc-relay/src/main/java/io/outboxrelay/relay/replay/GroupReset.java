package io.outboxrelay.relay.replay;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Moves a consumer group's committed offsets so its consumers replay events from an earlier point:
 * the beginning, a point in time, or an offset. The group must have no running consumer. Replaying
 * is safe for consumers that apply each event id once, as the project's consumers do.
 */
public final class GroupReset {

    /** Where to move the group to. */
    public record Target(String kind, Instant time, long offset) {

        public static Target earliest() {
            return new Target("earliest", null, -1);
        }

        /** The first record at or after {@code time}; the end of the partition if there is none. */
        public static Target time(Instant time) {
            return new Target("time", time, -1);
        }

        /** The same offset in every partition (capped to what the partition holds). */
        public static Target offset(long offset) {
            return new Target("offset", null, offset);
        }
    }

    private GroupReset() {
    }

    /**
     * @return the new committed offset of every partition of {@code topics}
     * @throws ResetFailedException with what to do, when the group still has running members, a topic
     *                              does not exist or Kafka fails the reset
     */
    public static Map<TopicPartition, Long> reset(Admin admin, String group, List<String> topics, Target target)
            throws InterruptedException {
        try {
            Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> wanted = new HashMap<>();
            described.values().forEach(d -> d.partitions().forEach(p -> {
                TopicPartition tp = new TopicPartition(d.name(), p.partition());
                earliest.put(tp, OffsetSpec.earliest());
                latest.put(tp, OffsetSpec.latest());
                wanted.put(tp, target.kind().equals("time") ? OffsetSpec.forTimestamp(target.time().toEpochMilli())
                        : OffsetSpec.earliest());
            }));
            Map<TopicPartition, ListOffsetsResultInfo> start = admin.listOffsets(earliest).all().get();
            Map<TopicPartition, ListOffsetsResultInfo> end = admin.listOffsets(latest).all().get();
            Map<TopicPartition, ListOffsetsResultInfo> found = admin.listOffsets(wanted).all().get();
            Map<TopicPartition, Long> offsets = new HashMap<>();
            for (TopicPartition tp : wanted.keySet()) {
                long first = start.get(tp).offset();
                long last = end.get(tp).offset();
                long offset = switch (target.kind()) {
                    case "offset" -> Math.max(first, Math.min(last, target.offset()));
                    case "time" -> found.get(tp).offset() < 0 ? last : found.get(tp).offset();
                    default -> first;
                };
                offsets.put(tp, offset);
            }
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
            offsets.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
            admin.alterConsumerGroupOffsets(group, commit).all().get();
            return offsets;
        }
        catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnknownMemberIdException || cause instanceof GroupNotEmptyException) {
                throw new ResetFailedException("consumer group '" + group
                        + "' has running consumers: stop them, then reset its offsets", cause);
            }
            if (cause instanceof UnknownTopicOrPartitionException) {
                throw new ResetFailedException("a topic in " + topics + " does not exist", cause);
            }
            throw new ResetFailedException("cannot reset consumer group '" + group + "': " + cause.getMessage(), cause);
        }
    }
}
