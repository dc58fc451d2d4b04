package io.outboxrelay.relay.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.outboxrelay.relay.attach.Attach;
import io.outboxrelay.relay.config.RelayConfig;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code relay attach}: installs what the relay needs in an existing database. */
@Command(name = "attach", mixinStandardHelpOptions = true,
        description = {"Install what the relay needs in an existing database: the outbox-sql migrations (schema outbox,"
                + " table outbox.event, publication, heartbeat table, capture function), optionally a least-privilege"
                + " relay role and capture triggers on legacy tables. Checks first (wal_level=logical, tables exist and"
                + " have a primary key); running it again changes nothing.",
                "Exit codes: 0 done, 2 bad configuration or usage, 3 cannot connect or refused."},
        footer = {"", "Examples:",
                "  export RELAY_ADMIN_PASSWORD=... RELAY_ROLE_PASSWORD=...",
                "  relay attach -c relay.properties --admin-user postgres --dry-run",
                "  relay attach -c relay.properties --admin-user postgres \\",
                "      --create-role outbox_relay --capture-table legacy.orders"})
final class AttachCommand extends AdminCommand {

    static final String ROLE_PASSWORD_VARIABLE = "RELAY_ROLE_PASSWORD";

    @Option(names = "--create-role", paramLabel = "NAME",
            description = "Create (or correct) the relay's role: LOGIN REPLICATION, no superuser, CONNECT on the database,"
                    + " USAGE on schema outbox, SELECT/INSERT/UPDATE/DELETE on outbox.heartbeat, and SELECT on the outbox"
                    + " table only if snapshot.mode reads it (not no_data)."
                    + " Password from " + ROLE_PASSWORD_VARIABLE + " (required to create it; when set, always applied).")
    String createRole;

    @Option(names = "--capture-table", paramLabel = "SCHEMA.TABLE",
            description = "Capture a legacy table's inserts, updates and deletes into the outbox with a row trigger"
                    + " (outbox_capture), in the writing transaction; repeatable. The table needs a primary key."
                    + " Quote mixed-case names: '\"Legacy\".\"Orders\"'.")
    List<String> captureTables = new ArrayList<>();

    AttachCommand() {
        this(System.getenv());
    }

    AttachCommand(Map<String, String> environment) {
        super(environment);
    }

    @Override
    void execute(RelayConfig relayConfig, String user, String password, PrintWriter out) {
        String rolePassword = createRole == null ? null : environment.get(ROLE_PASSWORD_VARIABLE);
        Attach.run(relayConfig, new Attach.Options(user, password, createRole,
                rolePassword == null || rolePassword.isEmpty() ? null : rolePassword, captureTables, dryRun), out);
    }
}
