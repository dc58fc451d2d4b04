package io.outboxrelay.relay.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.outboxrelay.relay.config.RelayConfig;
import io.outboxrelay.relay.ops.StatusException;
import io.outboxrelay.relay.ops.StatusReport;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code relay status}: how far behind the relay is, whether or not it runs. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the relay's replication slot (WAL it holds back), its saved position and dead letters, "
                + "and, when the relay runs and its HTTP endpoint answers, its live figures.",
                "Exit code 0; 3 if the slot does not exist or PostgreSQL or Kafka cannot be read; 2 for a bad configuration."},
        footer = {"", "Examples:",
                "  relay status --config relay.properties",
                "  relay status --config relay.properties --json | jq .wal_retained_bytes",
                "  relay status --config relay.properties --daemon http://relay-host:8080"})
final class StatusCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "The relay's properties file; RELAY_* environment variables override it.")
    Path config;

    @Option(names = "--json", description = "Print one JSON object with stable snake_case keys (see the README).")
    boolean json;

    @Option(names = "--daemon", paramLabel = "URL",
            description = "Base URL of the running relay's HTTP endpoint (default: from http.host and http.port).")
    URI daemon;

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        RelayConfig relayConfig = RelayConfig.load(config, System.getenv());
        LogFormat.use(relayConfig.get(RelayConfig.LOG_FORMAT));
        StatusReport report = StatusReport.gather(relayConfig, daemon);
        if (json) {
            out.println(JSON.writeValueAsString(report.fields()));
        }
        else {
            printHuman(out, report.fields());
        }
        out.flush();
        if (!report.slotExists()) { // the report is printed all the same: it says what else there is
            throw new StatusException("replication slot '" + relayConfig.get(RelayConfig.SLOT_NAME)
                    + "' does not exist in " + report.fields().get("database")
                    + ": start the relay once ('relay run') or attach it ('relay attach') to create it; check slot.name", null);
        }
        return RelayCli.EXIT_OK;
    }

    private static void printHuman(PrintWriter out, Map<String, Object> f) {
        List<String[]> lines = new ArrayList<>();
        lines.add(line("relay", f.get("relay_name")));
        lines.add(line("database", f.get("database")));
        if (String.valueOf(f.get("database")).contains(",")) {
            lines.add(line("primary", f.get("database_primary") + " (the writable one of database.host)"));
        }
        if (Boolean.TRUE.equals(f.get("slot_exists"))) {
            lines.add(line("slot", f.get("slot_name") + (Boolean.TRUE.equals(f.get("slot_active"))
                    ? " (active, pid " + f.get("slot_active_pid") + ")" : " (inactive: no relay attached)")));
            lines.add(line("restart_lsn", f.get("restart_lsn")));
            lines.add(line("confirmed_flush_lsn", f.get("confirmed_flush_lsn")));
            lines.add(line("WAL retained", bytes(f.get("wal_retained_bytes")) + " (current LSN - restart_lsn)"));
            lines.add(line("not yet confirmed", bytes(f.get("slot_lag_bytes")) + " (current LSN - confirmed_flush_lsn)"));
            lines.add(line("failover slot", f.get("slot_failover") == null ? "n/a (PostgreSQL before 17)"
                    : f.get("slot_failover") + (Boolean.TRUE.equals(f.get("slot_synced")) ? " (a synchronized copy)" : "")));
        }
        else {
            lines.add(line("slot", f.get("slot_name") + " does not exist"));
        }
        lines.add(line("saved position", f.get("saved_lsn") == null ? "none in " + f.get("offset_topic")
                : f.get("saved_lsn") + ", committed " + f.get("saved_commit_time") + " (" + f.get("saved_position_age_seconds")
                + " s ago)"));
        lines.add(line("dead letters", f.get("dead_letter_count") + " in " + f.get("dead_letter_topic")));
        lines.add(line("delivery", f.get("transactional_id") == null ? f.get("delivery_guarantee")
                : f.get("delivery_guarantee") + " (transactional.id " + f.get("transactional_id") + ")"));
        if (Boolean.TRUE.equals(f.get("daemon_reachable"))) {
            lines.add(line("relay process", f.get("state") + " at " + f.get("daemon_url")));
            lines.add(line("events/s", f.get("events_per_second") + " (last minute)"));
            lines.add(line("last event", f.get("last_event_id") == null ? "none yet"
                    : f.get("last_event_id") + ", committed " + f.get("last_event_age_seconds") + " s ago, commit-to-ack "
                    + f.get("lag_seconds") + " s"));
            lines.add(line("since start", f.get("events_relayed") + " events, " + f.get("dead_letters_relayed")
                    + " dead letters, " + f.get("errors") + " errors"));
            if (f.get("transactional_id") != null) {
                lines.add(line("transactions", f.get("transactions_committed") + " committed, the last at "
                        + f.get("last_transaction_committed_at")));
            }
        }
        else {
            lines.add(line("relay process", f.get("daemon_url") == null ? "not asked (http.port is 0 or -1; use --daemon URL)"
                    : "no answer at " + f.get("daemon_url")));
        }
        int width = lines.stream().mapToInt(l -> l[0].length()).max().orElse(0);
        for (String[] l : lines) {
            out.printf("%-" + width + "s  %s%n", l[0], l[1]);
        }
    }

    private static String[] line(String label, Object value) {
        return new String[] {label, String.valueOf(value)};
    }

    private static String bytes(Object value) {
        if (!(value instanceof Number n)) {
            return "unknown";
        }
        long b = n.longValue();
        String human = b >= 1L << 30 ? String.format("%.1f GiB", b / (double) (1L << 30))
                : b >= 1L << 20 ? String.format("%.1f MiB", b / (double) (1L << 20))
                : b >= 1L << 10 ? String.format("%.1f KiB", b / 1024.0)
                : b + " B";
        return human + (b >= 1024 ? " (" + b + " bytes)" : "");
    }
}
