package io.outboxrelay.relay.cli;

import org.apache.logging.log4j.core.config.Configurator;

/**
 * Chooses between the two log formats of log4j2.xml (text, or ECS JSON one object per line). The
 * file selects its appender by the system property {@value #PROPERTY}; changing the format sets it
 * and reloads the configuration, so it works before and after the first logger exists.
 */
final class LogFormat {

    static final String PROPERTY = "relay.log.format";
    static final String ENVIRONMENT = "RELAY_LOG_FORMAT";

    private LogFormat() {
    }

    /** @param format "json" or "text"; anything else leaves the format alone */
    static synchronized void use(String format) {
        if (!"json".equals(format) && !"text".equals(format)) {
            return;
        }
        if (format.equals(System.getProperty(PROPERTY, "text"))) {
            return;
        }
        System.setProperty(PROPERTY, format);
        Configurator.reconfigure();
    }

    static boolean isJson() {
        return "json".equals(System.getProperty(PROPERTY));
    }
}
