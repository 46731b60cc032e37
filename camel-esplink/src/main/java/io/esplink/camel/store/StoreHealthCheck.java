package io.esplink.camel.store;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of a {@link MessageStore}: a real write ({@link MessageStore#probe()}), not a pool's idea of a valid
 * connection, at most once per {@link #getMinIntervalMs() interval} (the last answer is reused in between). DOWN while
 * the store refuses writes, with the cause; UP as soon as a write succeeds again.
 */
public class StoreHealthCheck extends AbstractHealthCheck {

    private final MessageStore store;
    private long minIntervalMs = 1000;
    private long probedAt;
    private Exception lastFailure;
    private boolean probed;

    /** @param name names the store in the check's ID: {@code esplink-store-<name>} */
    public StoreHealthCheck(String name, MessageStore store) {
        super("camel", "esplink-store-" + name);
        this.store = store;
    }

    public long getMinIntervalMs() {
        return minIntervalMs;
    }

    public void setMinIntervalMs(long minIntervalMs) {
        this.minIntervalMs = minIntervalMs;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Exception failure = probe();
        builder.detail("store.location", store.location());
        if (failure == null) {
            builder.up();
        } else {
            builder.down();
            builder.message(failure.getMessage());
        }
    }

    /** The outcome of a recent probe: null if the store took a write. */
    private synchronized Exception probe() {
        long now = System.currentTimeMillis();
        if (!probed || now - probedAt >= minIntervalMs) {
            try {
                store.probe();
                lastFailure = null;
            } catch (Exception e) {
                lastFailure = e;
            }
            probed = true;
            probedAt = now;
        }
        return lastFailure;
    }
}
