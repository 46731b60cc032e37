package io.esplink.camel;

import java.time.Instant;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of an esplink consumer: DOWN while its route fails on the node messages it is given (with
 * ackMode=processed the nodes keep them and resend, so nothing is lost, but nothing gets through either), UP again
 * with the first message that gets through; likewise, apart, on connection events (lost when they fail): an event
 * that gets through does not make a route that fails on messages UP. A route that writes to a store thus reports a store that refuses writes by real writes,
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
        builder.detail("route.id", consumer.getRouteId());
        builder.detail("failures.total", consumer.getRouteFailuresTotal());
        FailureLog failures = consumer.failing();
        if (failures != null) {
            builder.down();
            String on = failures == consumer.failures() ? "node messages" : "connection events";
            builder.message("The route fails on " + on + " since " + Instant.ofEpochMilli(failures.failingSince()) + " ("
                            + failures.currentFailures() + " failures): " + failures.lastCause());
            builder.detail("failing.since", Instant.ofEpochMilli(failures.failingSince()).toString());
            builder.detail("failures", failures.currentFailures());
            builder.detail("last.failure", failures.lastCause());
            builder.detail("last.failure.at", Instant.ofEpochMilli(failures.lastFailureAt()).toString());
        } else {
            builder.up();
        }
    }
}
