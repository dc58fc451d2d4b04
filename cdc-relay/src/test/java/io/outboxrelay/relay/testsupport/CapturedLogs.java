package io.outboxrelay.relay.testsupport;

import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Everything logged in this JVM while open, with stack traces, for asserting that a secret never
 * reaches a log. {@code verbose} loggers are captured from INFO on meanwhile, so that configuration
 * dumps count too; the console still shows only their warnings.
 */
public final class CapturedLogs implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final StringWriter text = new StringWriter();
    private final WriterAppender appender;
    /** The logger configurations replaced, null where the name had none of its own. */
    private final Map<String, LoggerConfig> replaced = new LinkedHashMap<>();

    private CapturedLogs(String... verbose) {
        Configuration configuration = context().getConfiguration();
        appender = WriterAppender.newBuilder()
                .setName("captured-" + COUNTER.incrementAndGet())
                .setTarget(text)
                .setLayout(PatternLayout.newBuilder().withPattern("%level %logger %msg%n%throwable").build())
                .build();
        appender.start();
        configuration.addAppender(appender);
        LoggerConfig root = configuration.getRootLogger();
        Map<String, Appender> console = Map.copyOf(root.getAppenders());
        root.addAppender(appender, null, null);
        for (String name : verbose) {
            LoggerConfig own = configuration.getLoggerConfig(name);
            replaced.put(name, own.getName().equals(name) ? own : null);
            LoggerConfig capturing = new LoggerConfig(name, Level.INFO, false);
            capturing.addAppender(appender, null, null);
            console.values().forEach(a -> capturing.addAppender(a, Level.WARN, null));
            configuration.removeLogger(name);
            configuration.addLogger(name, capturing);
        }
        context().updateLoggers();
    }

    public static CapturedLogs start(String... verbose) {
        return new CapturedLogs(verbose);
    }

    public String text() {
        return text.toString();
    }

    @Override
    public void close() {
        Configuration configuration = context().getConfiguration();
        replaced.forEach((name, previous) -> {
            configuration.removeLogger(name);
            if (previous != null) {
                configuration.addLogger(name, previous);
            }
        });
        configuration.getRootLogger().removeAppender(appender.getName());
        context().updateLoggers();
        appender.stop();
    }

    private static LoggerContext context() {
        return (LoggerContext) LogManager.getContext(false);
    }
}
