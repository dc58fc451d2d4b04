package io.outboxrelay.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The suite's results: a table on stdout and the same figures as JSON ({@code faults.results}). */
final class FaultReport {

    static final String RESULTS_PROPERTY = "faults.results";

    private final Sizes sizes;
    private final List<ScenarioResult> results = new ArrayList<>();
    private final String suffix;

    /** @param suffix added to the results file's name before .json */
    FaultReport(Sizes sizes, String suffix) {
        this.sizes = sizes;
        this.suffix = suffix;
    }

    synchronized void add(ScenarioResult result) {
        results.add(result);
    }

    synchronized String table() {
        StringBuilder out = new StringBuilder();
        out.append("| scenario | faults | events | lost | duplicates delivered | duplicate effects | recovery p50 | recovery max |\n");
        out.append("|---|---|---:|---:|---:|---|---:|---:|\n");
        for (ScenarioResult r : results) {
            out.append("| ").append(r.scenario())
                    .append(" | ").append(r.faults())
                    .append(" | ").append(r.events())
                    .append(" | ").append(r.lost())
                    .append(" | ").append(r.duplicatesDelivered())
                    .append(" | ").append(r.duplicateEffects())
                    .append(" | ").append(ScenarioResult.seconds(r.recoveryP50()))
                    .append(" | ").append(ScenarioResult.seconds(r.recoveryMax()))
                    .append(" |\n");
        }
        for (ScenarioResult r : results) {
            for (String note : r.notes()) {
                out.append("- ").append(r.scenario()).append(": ").append(note).append('\n');
            }
        }
        return out.toString();
    }

    synchronized Path writeJson() {
        Path file = Path.of(System.getProperty(RESULTS_PROPERTY, "target/fault-results.json").replaceFirst("\\.json$", suffix + ".json"));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("generated_at", Instant.now().toString());
        json.put("full", sizes.full());
        Map<String, Object> sizeMap = new LinkedHashMap<>();
        sizeMap.put("kills", sizes.kills());
        sizeMap.put("graceful_restarts", sizes.gracefulRestarts());
        sizeMap.put("database_faults", sizes.databaseFaults());
        sizeMap.put("kafka_outages", sizes.kafkaOutages());
        sizeMap.put("events_per_second", sizes.eventsPerSecond());
        sizeMap.put("min_gap_ms", sizes.minGap().toMillis());
        sizeMap.put("delivery_timeout_ms", sizes.deliveryTimeout().toMillis());
        sizeMap.put("kafka_downtime_ms", sizes.kafkaDowntime().toMillis());
        sizeMap.put("big_transaction_rows", sizes.bigTransactionRows());
        json.put("sizes", sizeMap);
        List<Map<String, Object>> scenarios = new ArrayList<>();
        for (ScenarioResult r : results) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("scenario", r.scenario());
            s.put("faults", r.faults());
            s.put("fault_count", r.faultCount());
            s.put("events", r.events());
            s.put("lost", r.lost());
            s.put("duplicates_delivered", r.duplicatesDelivered());
            s.put("duplicate_effects", r.duplicateEffects());
            s.put("recovery_p50_ms", r.recoveryP50());
            s.put("recovery_max_ms", r.recoveryMax());
            s.put("recovery_ms", r.recoveryMillis());
            s.put("notes", r.notes());
            scenarios.add(s);
        }
        json.put("scenarios", scenarios);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
            return file;
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
