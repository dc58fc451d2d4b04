package io.outboxrelay.relay;

import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Everything logged in this JVM while open, with stack traces, for asserting that a secret never
 * reaches a log. {@code verbose} loggers log at INFO meanwhile, so their configuration dumps count too.
 */
final class CapturedLogs implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final StringWriter text = new StringWriter();
    private final WriterAppender appender;
    private final Map<String, Level> previousLevels = new LinkedHashMap<>();

    private CapturedLogs(String... verbose) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration configuration = context.getConfiguration();
        appender = WriterAppender.newBuilder()
                .setName("captured-" + COUNTER.incrementAndGet())
                .setTarget(text)
                .setLayout(PatternLayout.newBuilder().withPattern("%level %logger %msg%n%throwable").build())
                .build();
        appender.start();
        configuration.addAppender(appender);
        configuration.getRootLogger().addAppender(appender, null, null);
        for (String logger : verbose) {
            previousLevels.put(logger, LogManager.getLogger(logger).getLevel());
            Configurator.setLevel(logger, Level.INFO);
        }
        context.updateLoggers();
    }

    static CapturedLogs start(String... verbose) {
        return new CapturedLogs(verbose);
    }

    String text() {
        return text.toString();
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        previousLevels.forEach(Configurator::setLevel);
        context.getConfiguration().getRootLogger().removeAppender(appender.getName());
        appender.stop();
        context.updateLoggers();
    }
}
