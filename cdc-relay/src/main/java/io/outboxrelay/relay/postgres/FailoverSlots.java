package io.outboxrelay.relay.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import io.outboxrelay.relay.config.RelayConfig;

/**
 * What {@code slot.failover} means on a given server, for attach (which creates the slot) and pre-flight (which tells
 * Debezium, should it create the slot itself): failover slots exist from PostgreSQL {@value #SINCE} on.
 */
public final class FailoverSlots {

    /** The first major version with failover slots. */
    public static final int SINCE = 17;

    private FailoverSlots() {
    }

    /** The server's major version (server_version_num is major * 10000 + minor since PostgreSQL 10). */
    public static int majorVersion(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int / 10000")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Whether the relay's slot is to be a failover slot on a server of version {@code major}. */
    public static boolean wanted(RelayConfig config, int major) {
        return !config.get(RelayConfig.SLOT_FAILOVER).equals("false") && major >= SINCE;
    }

    /** Why slot.failover cannot be had on a server of version {@code major} at {@code where}; null when it can. */
    public static String unavailable(RelayConfig config, int major, String where) {
        if (config.get(RelayConfig.SLOT_FAILOVER).equals("true") && major < SINCE) {
            return "slot.failover=true needs PostgreSQL " + SINCE + " or later, and " + where + " runs " + major
                    + ": set slot.failover=auto (or false); before " + SINCE + " a failover ends in the relay's gap refusal"
                    + " and recovery.resend.since (README 'PostgreSQL high availability')";
        }
        return null;
    }
}
