package io.outboxrelay.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.outboxrelay.testkit.DeliveryCheck;

/**
 * One scenario on the shared relay: where the figures stood when it began, and what it measured and
 * observed since.
 */
final class Scenario {

    private static final Logger LOG = LoggerFactory.getLogger(Scenario.class);

    final String name;
    final List<Long> recoveries = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    final long failedSlicesBefore;
    final int exitsBefore;
    private final DeliveryCheck before;
    private DeliveryCheck after;

    Scenario(String name, DeliveryCheck before, long failedSlicesBefore, int exitsBefore) {
        this.name = name;
        this.before = before;
        this.failedSlicesBefore = failedSlicesBefore;
        this.exitsBefore = exitsBefore;
    }

    void note(String note) {
        LOG.info("{}: {}", name, note);
        notes.add(note);
    }

    ScenarioResult result(String faults, int faultCount, DeliveryCheck check) {
        after = check;
        return new ScenarioResult(name, faults, faultCount, check.committed - before.committed, newlyLost().size(),
                check.duplicateCount() - before.duplicateCount(), ScenarioResult.NO_EFFECTS, List.copyOf(recoveries),
                List.copyOf(notes));
    }

    /** Committed events missing from Kafka now that were not missing when the scenario began. */
    Set<UUID> newlyLost() {
        Set<UUID> lost = new HashSet<>(after.lost);
        lost.removeAll(before.lost);
        return lost;
    }

    /** The check at the end of the scenario. */
    DeliveryCheck check() {
        return after;
    }

    /** Nothing lost, nothing that was never committed, no dead letter, commit order per aggregate: all since it began. */
    void assertDeliveredCompletelyInOrder() {
        assertThat(newlyLost()).as("committed events missing from Kafka: " + after).isEmpty();
        assertThat(difference(after.unexpected, before.unexpected)).as("events in Kafka never committed: " + after).isEmpty();
        assertThat(after.deadLettered - before.deadLettered).as("dead letters: " + after).isZero();
        assertThat(difference(after.orderViolations, before.orderViolations)).as("out of commit order per aggregate: " + after)
                .isEmpty();
    }

    int duplicatesDelivered() {
        return after.duplicateCount() - before.duplicateCount();
    }

    private static <T> Set<T> difference(Collection<T> now, Collection<T> then) {
        Set<T> out = new HashSet<>(now);
        out.removeAll(then);
        return out;
    }
}
