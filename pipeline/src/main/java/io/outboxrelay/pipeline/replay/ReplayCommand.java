package io.outboxrelay.pipeline.replay;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.TopicPartition;

import io.outboxrelay.consumers.runtime.GroupOffsets;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Resets a consumer group so that its consumers replay: from the beginning, a time or an offset. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Reset a consumer group's offsets on the given topics, so its consumers replay events.",
                "Stop the group's consumers first. Replaying never repeats an effect: every consumer applies an event id once."},
        footer = {"", "Examples:",
                "  outbox-pipeline replay --bootstrap-servers kafka:9092 --group read-model-v2 --topic outbox.Order --to-earliest",
                "  outbox-pipeline replay --bootstrap-servers kafka:9092 --group payments --topic outbox.Order --to-time 2026-11-27T10:00:00Z"})
public final class ReplayCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(names = "--group", required = true, description = "Consumer group to reset.")
    String group;

    @Option(names = "--topic", required = true, description = "Topic to reset (repeatable).")
    List<String> topics;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--to-earliest", description = "The first retained event.")
        boolean earliest;

        @Option(names = "--to-time", paramLabel = "ISO-8601", description = "The first event at or after this time.")
        Instant time;

        @Option(names = "--to-offset", description = "This offset in every partition.")
        Long offset;

        GroupOffsets.Target toTarget() {
            return earliest ? GroupOffsets.Target.earliest()
                    : time != null ? GroupOffsets.Target.time(time) : GroupOffsets.Target.offset(offset);
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000))) {
            Map<TopicPartition, Long> offsets = GroupOffsets.reset(admin, group, topics, target.toTarget());
            new TreeMap<>(Map.copyOf(offsets.entrySet().stream()
                    .collect(java.util.stream.Collectors.toMap(e -> e.getKey().toString(), Map.Entry::getValue))))
                    .forEach((tp, o) -> System.out.printf("%s %s -> %d%n", group, tp, o));
            return 0;
        }
        catch (IllegalStateException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        }
        catch (org.apache.kafka.common.KafkaException e) {
            spec.commandLine().getErr().println("error: cannot reach Kafka at " + bootstrap + ": " + e.getMessage());
            return 1;
        }
    }
}
