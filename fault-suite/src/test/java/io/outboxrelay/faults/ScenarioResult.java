package io.outboxrelay.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One row of the results table.
 *
 * @param scenario           its number and name
 * @param faults             what was injected, e.g. "20 x SIGKILL"
 * @param faultCount         how many faults
 * @param events             events committed to the outbox during the scenario
 * @param lost               committed events not in Kafka at the end
 * @param duplicatesDelivered records in Kafka beyond the first for the same event id
 * @param duplicateEffects   "n/a": effects need consumers (the consumer scenarios count them)
 * @param recoveryMillis     per fault: from the fault to the first event committed after it being in Kafka
 * @param notes              what was observed besides the numbers (exit codes, error lines, ...)
 */
record ScenarioResult(String scenario, String faults, int faultCount, long events, long lost, long duplicatesDelivered,
                      String duplicateEffects, List<Long> recoveryMillis, List<String> notes) {

    static final String NO_EFFECTS = "n/a";

    /** The same figures with the notes made since. */
    ScenarioResult withNotes(List<String> allNotes) {
        return new ScenarioResult(scenario, faults, faultCount, events, lost, duplicatesDelivered, duplicateEffects,
                recoveryMillis, List.copyOf(allNotes));
    }

    Long recoveryP50() {
        if (recoveryMillis.isEmpty()) {
            return null;
        }
        List<Long> sorted = new ArrayList<>(recoveryMillis);
        sorted.sort(null);
        // nearest rank: the smallest value with at least half the values at or below it
        return sorted.get((int) Math.ceil(sorted.size() / 2.0) - 1);
    }

    Long recoveryMax() {
        return recoveryMillis.stream().max(Long::compare).orElse(null);
    }

    static String seconds(Long millis) {
        return millis == null ? "-" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    static long millis(long fromNanos, long toNanos) {
        return Duration.ofNanos(toNanos - fromNanos).toMillis();
    }
}
