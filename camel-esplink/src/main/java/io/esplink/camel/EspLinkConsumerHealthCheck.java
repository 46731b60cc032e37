package io.esplink.camel;

import java.time.Instant;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of an esplink consumer: DOWN while its route fails on the node messages it is given (with
 * ackMode=processed the nodes keep them and resend, so nothing is lost, but nothing gets through either), UP again
 * with the first success. A route that writes to a store thus reports a store that refuses writes by real writes,
 * and its recovery as soon as a node's resend gets through.
 */
public class EspLinkConsumerHealthCheck extends AbstractHealthCheck {

    private final EspLinkConsumer consumer;

    public EspLinkConsumerHealthCheck(EspLinkConsumer consumer, String routeId) {
        super("camel", "esplink-consumer-" + routeId);
        this.consumer = consumer;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        FailureLog failures = consumer.failures();
        builder.detail("route.id", consumer.getRouteId());
        builder.detail("failures.total", failures.totalFailures());
        if (failures.isFailing()) {
            builder.down();
            builder.message("The route fails on node messages since " + Instant.ofEpochMilli(failures.failingSince())
                            + " (" + failures.currentFailures() + " failures): " + failures.lastCause());
            builder.detail("failing.since", Instant.ofEpochMilli(failures.failingSince()).toString());
            builder.detail("failures", failures.currentFailures());
            builder.detail("last.failure", failures.lastCause());
            builder.detail("last.failure.at", Instant.ofEpochMilli(failures.lastFailureAt()).toString());
        } else {
            builder.up();
        }
    }
}
