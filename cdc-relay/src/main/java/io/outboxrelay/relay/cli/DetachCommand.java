package io.outboxrelay.relay.cli;

import java.io.PrintWriter;
import java.util.Map;

import io.outboxrelay.relay.attach.Detach;
import io.outboxrelay.relay.config.RelayConfig;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code relay detach}: removes what streams the relay's events, keeping the outbox and its rows. */
@Command(name = "detach", mixinStandardHelpOptions = true,
        description = {"Drop the relay's replication slot (slot.name), its publication and the capture triggers"
                + " (outbox_capture) attach created. Keeps the outbox table, its rows and schema outbox.",
                "Refuses while a relay streams from the slot, and while the slot holds outbox events not yet relayed"
                        + " (unless --force).",
                "Exit codes: 0 done, 2 bad configuration or usage, 3 cannot connect or refused."},
        footer = {"", "Examples:",
                "  export RELAY_ADMIN_PASSWORD=...",
                "  relay detach -c relay.properties --admin-user postgres --dry-run",
                "  relay detach -c relay.properties --admin-user postgres",
                "  relay detach -c relay.properties --admin-user postgres --force \\",
                "      --drop-role outbox_relay"})
final class DetachCommand extends AdminCommand {

    @Option(names = "--force", description = "Drop the slot even though it holds events not yet relayed (they are lost"
            + " to Kafka; the rows stay in the outbox table). Never stops a running relay.")
    boolean force;

    @Option(names = "--drop-role", paramLabel = "NAME",
            description = "Also revoke the relay role's grants here and drop it.")
    String dropRole;

    DetachCommand() {
        this(System.getenv());
    }

    DetachCommand(Map<String, String> environment) {
        super(environment);
    }

    @Override
    void execute(RelayConfig relayConfig, String user, String password, PrintWriter out) {
        Detach.run(relayConfig, new Detach.Options(user, password, dropRole, force, dryRun), out);
    }
}
