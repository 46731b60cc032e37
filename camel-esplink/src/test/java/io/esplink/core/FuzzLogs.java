package io.esplink.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Quiets the {@code io.esplink} loggers while a fuzz test runs: a long fuzz run opens and breaks connections by the
 * million, and every one of them would be logged (WARN for each overlong line, INFO for each connect) into
 * {@code target/esplink-test.log}. Errors are still logged. What {@link LinkErrors} reports as an <em>unexpected</em>
 * error on a connection (an exception that escaped a handler) is kept here instead, for the test to assert on.
 */
final class FuzzLogs implements AutoCloseable {

    private static final String LOGGER = "io.esplink";
    private static final String LINK_ERRORS = LinkErrors.class.getName();
    private static final int KEPT = 10;

    private final Level before;
    private final LoggerContext context;
    private final AbstractAppender appender;
    private final List<String> unexpected = new CopyOnWriteArrayList<>();
    private volatile long unexpectedCount;

    private FuzzLogs() {
        before = LogManager.getLogger(LOGGER).getLevel();
        Configurator.setLevel(LOGGER, Level.ERROR);
        context = (LoggerContext) LogManager.getContext(false);
        appender = new AbstractAppender("fuzz-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                // the format, not the text: a client ID is logged as it came, and may say anything (a fuzzer
                // soon learns to put "unexpected error" into one)
                String format = event.getMessage().getFormat();
                if (format != null && format.contains("unexpected error")) {
                    unexpectedCount++;
                    if (unexpected.size() < KEPT) {
                        unexpected.add(event.getMessage().getFormattedMessage() + ": " + event.getThrown());
                    }
                }
            }
        };
        appender.start();
        Configuration config = context.getConfiguration();
        LoggerConfig own = new LoggerConfig(LINK_ERRORS, Level.WARN, false);
        own.addAppender(appender, Level.WARN, null);
        config.addLogger(LINK_ERRORS, own);
        context.updateLoggers();
    }

    static FuzzLogs quiet() {
        return new FuzzLogs();
    }

    /** How many connection errors {@link LinkErrors} called unexpected so far. */
    long unexpectedErrors() {
        return unexpectedCount;
    }

    /** The first few of them, for a failure message. */
    List<String> unexpectedSamples() {
        return List.copyOf(unexpected);
    }

    @Override
    public void close() {
        context.getConfiguration().removeLogger(LINK_ERRORS);
        context.updateLoggers();
        appender.stop();
        Configurator.setLevel(LOGGER, before);
    }
}
