package io.outboxrelay.relay.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import io.outboxrelay.relay.config.RelayConfig;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * What attach and detach share: the configuration and the administrator they connect as. Exit codes
 * (0 done, 2 bad configuration or usage, 3 cannot connect or refused) come from the errors' types.
 */
abstract class AdminCommand implements Callable<Integer> {

    static final String ADMIN_PASSWORD_VARIABLE = "RELAY_ADMIN_PASSWORD";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "The relay's properties file; RELAY_* environment variables override it (see 'relay settings').")
    Path config;

    @Option(names = "--admin-user", paramLabel = "ROLE",
            description = "Administrator to connect as (a superuser or the database owner); default: database.user."
                    + " Password from " + ADMIN_PASSWORD_VARIABLE + ", else database.password.")
    String adminUser;

    @Option(names = "--dry-run", description = "Print the SQL that would run and change nothing.")
    boolean dryRun;

    final Map<String, String> environment;

    AdminCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    /** Does the work, printing what was done to {@code out}. */
    abstract void execute(RelayConfig relayConfig, String user, String password, PrintWriter out);

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        RelayConfig relayConfig = RelayConfig.load(config, environment);
        LogFormat.use(relayConfig.get(RelayConfig.LOG_FORMAT));
        String user = adminUser != null ? adminUser : relayConfig.get(RelayConfig.DATABASE_USER);
        String password = environment.getOrDefault(ADMIN_PASSWORD_VARIABLE, relayConfig.get(RelayConfig.DATABASE_PASSWORD));
        execute(relayConfig, user, password, out);
        out.flush();
        return RelayCli.EXIT_OK;
    }
}
