package io.esplink.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Records what one logger (and its children) writes, at every level, while open: for tests of what reaches a log.
 * Close it after the test (try-with-resources).
 */
public final class LogCapture implements AutoCloseable {

    private final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private final LoggerContext context;
    private final String name;
    private final AbstractAppender appender;
    private final boolean added;
    private final Level levelBefore;

    public LogCapture(Class<?> logger) {
        this(logger.getName());
    }

    public LogCapture(String loggerName) {
        this.name = loggerName;
        this.context = (LoggerContext) LogManager.getContext(false);
        this.appender = new AbstractAppender("capture-" + loggerName + "-" + System.nanoTime(), null, null, true,
                Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                events.add(event.toImmutable());
            }
        };
        appender.start();
        Configuration config = context.getConfiguration();
        LoggerConfig existing = config.getLoggerConfig(loggerName);
        if (existing.getName().equals(loggerName)) {
            added = false;
            levelBefore = existing.getLevel();
            existing.setLevel(Level.ALL);
            existing.addAppender(appender, Level.ALL, null);
        } else {
            added = true;
            levelBefore = null;
            LoggerConfig own = new LoggerConfig(loggerName, Level.ALL, true);
            own.addAppender(appender, Level.ALL, null);
            config.addLogger(loggerName, own);
        }
        context.updateLoggers();
    }

    /** Every event so far, in order. */
    public List<LogEvent> events() {
        return List.copyOf(events);
    }

    /** The formatted messages logged at {@code level}. */
    public List<String> messages(Level level) {
        return events.stream().filter(e -> e.getLevel() == level).map(e -> e.getMessage().getFormattedMessage())
                .collect(Collectors.toList());
    }

    @Override
    public void close() {
        Configuration config = context.getConfiguration();
        if (added) {
            config.removeLogger(name);
        } else {
            LoggerConfig existing = config.getLoggerConfig(name);
            existing.removeAppender(appender.getName());
            existing.setLevel(levelBefore);
        }
        context.updateLoggers();
        appender.stop();
    }
}
