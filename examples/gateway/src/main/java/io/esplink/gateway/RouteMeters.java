package io.esplink.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.Route;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.MicrometerUtils;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyFactory;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyNamingStrategy;
import org.apache.camel.spi.ManagementAgent;
import org.apache.camel.spi.RoutePolicy;
import org.apache.camel.spi.RoutePolicyFactory;
import org.apache.camel.support.ExchangeHelper;
import org.apache.camel.support.RoutePolicySupport;

/**
 * The per-route meters of camel-micrometer's route policy at its "route" level, with the same names, tags and
 * descriptions (taken from its {@link MicrometerRoutePolicyNamingStrategy}): the route timer
 * ({@code camel.route.policy}) and the counters {@code camel.exchanges.total}, {@code .succeeded}, {@code .failed},
 * {@code .failures.handled} and {@code .external.redeliveries}.
 * <p>
 * Why not Camel's own: at every exchange it formats an exchange property name three times (with
 * {@code String.format}), and that name holds the exchange ID, which it thereby makes the exchange generate. At the
 * gateway's message rates that was 15-20% of an I/O thread's time on the echo route (BENCHMARKS.md). This policy keys
 * the start time by a name made once per route, which is all the property needs to be told apart from another route's
 * start on the same exchange.
 * <p>
 * Like Camel's: routes made from Kamelets are measured only when JMX is set to register them, routes made from
 * templates unless it is set not to; the meters of a removed route are removed with it.
 */
final class RouteMeters implements RoutePolicyFactory {

    /** The gateway property that chooses this policy (true, the default) or none (false). */
    static final String ENABLED = "esplink.metrics.route-meters";

    private final MicrometerRoutePolicyNamingStrategy naming;

    RouteMeters(MicrometerRoutePolicyNamingStrategy naming) {
        this.naming = naming;
    }

    /**
     * A route's policy, or null when Camel's metrics are off (no registry bound as Camel Main binds it with
     * {@code camel.metrics.enabled=true}).
     *
     * @throws IllegalStateException if camel-micrometer's route policy is on too: both would count every exchange in
     *                               the same meters
     */
    @Override
    public RoutePolicy createRoutePolicy(CamelContext camelContext, String routeId, NamedNode route) {
        for (RoutePolicyFactory f : camelContext.getRoutePolicyFactories()) {
            if (f instanceof MicrometerRoutePolicyFactory) {
                throw new IllegalStateException("Camel's route policy (camel.metrics.enable-route-policy=true) and the "
                                                + "gateway's route meters (" + ENABLED + "=true) would both count "
                                                + "every exchange of route " + routeId + " in the same meters: set "
                                                + "one of them to false");
            }
        }
        if (MicrometerUtils.getMeterRegistryFromCamelRegistry(camelContext.getRegistry(),
                MicrometerConstants.METRICS_REGISTRY_NAME) == null) {
            return null;
        }
        return new Policy();
    }

    /** One route's policy: its meters are made when the route first starts and removed with the route. */
    private final class Policy extends RoutePolicySupport {

        private volatile Meters meters;

        @Override
        public void onStart(Route route) {
            if (meters == null && measured(route)) {
                meters = new Meters(route);
            }
        }

        @Override
        public void onExchangeBegin(Route route, Exchange exchange) {
            Meters m = meters;
            if (m != null) {
                exchange.setProperty(m.startKey, m.clock.monotonicTime());
            }
        }

        @Override
        public void onExchangeDone(Route route, Exchange exchange) {
            Meters m = meters;
            if (m != null) {
                m.done(exchange);
            }
        }

        @Override
        public void onRemove(Route route) {
            Meters m = meters;
            meters = null;
            if (m != null) {
                m.remove();
            }
        }
    }

    private static boolean measured(Route route) {
        ManagementAgent agent = route.getCamelContext().getManagementStrategy() != null
                ? route.getCamelContext().getManagementStrategy().getManagementAgent() : null;
        boolean kamelets = agent != null && Boolean.TRUE.equals(agent.getRegisterRoutesCreateByKamelet());
        boolean templates = agent == null || !Boolean.FALSE.equals(agent.getRegisterRoutesCreateByTemplate());
        return !(route.isCreatedByKamelet() && !kamelets) && !(route.isCreatedByRouteTemplate() && !templates);
    }

    /** A route's timer and counters, registered in the registry Camel Main binds with camel.metrics.enabled. */
    private final class Meters {

        /** The exchange property that holds the start (a name per route: an exchange may pass several routes). */
        final String startKey;
        final Clock clock;
        private final MeterRegistry registry;
        private final Timer timer;
        private final Counter total;
        private final Counter succeeded;
        private final Counter failed;
        private final Counter failuresHandled;
        private final Counter externalRedeliveries;
        private final List<Meter> all = new ArrayList<>();

        Meters(Route route) {
            registry = MicrometerUtils.getOrCreateMeterRegistry(route.getCamelContext().getRegistry(),
                    MicrometerConstants.METRICS_REGISTRY_NAME);
            clock = registry.config().clock();
            startKey = "esplink-route-meters-" + route.getRouteId();
            total = counter(naming.getExchangesTotalName(route), "Total number of processed exchanges", route);
            succeeded = counter(naming.getExchangesSucceededName(route), "Number of successfully completed exchanges",
                    route);
            failed = counter(naming.getExchangesFailedName(route), "Number of failed exchanges", route);
            externalRedeliveries = counter(naming.getExternalRedeliveriesName(route),
                    "Number of external initiated redeliveries (such as from JMS broker)", route);
            failuresHandled = counter(naming.getFailuresHandledName(route), "Number of failures handled", route);
            timer = Timer.builder(naming.getName(route)).tags(naming.getTags(route))
                    .description("Route performance metrics").register(registry);
            all.add(timer);
        }

        private Counter counter(String name, String description, Route route) {
            Counter c = Counter.builder(name).tags(naming.getExchangeStatusTags(route)).description(description)
                    .register(registry);
            all.add(c);
            return c;
        }

        void done(Exchange exchange) {
            Object start = exchange.removeProperty(startKey);
            if (start instanceof Long) {
                timer.record(clock.monotonicTime() - (Long) start, TimeUnit.NANOSECONDS);
            }
            total.increment();
            if (exchange.isFailed()) {
                failed.increment();
            } else {
                succeeded.increment();
                if (ExchangeHelper.isFailureHandled(exchange)) {
                    failuresHandled.increment();
                }
                if (exchange.isExternalRedelivered()) {
                    externalRedeliveries.increment();
                }
            }
        }

        void remove() {
            all.forEach(registry::remove);
        }
    }
}
