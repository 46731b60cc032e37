package io.esplink.camel.metrics;

import io.esplink.core.GatewayView;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;

/**
 * Where the component finds Micrometer. Only this package refers to Micrometer, and the component calls it only when
 * Micrometer is on the class path, so that Micrometer stays an optional dependency: load nothing of this package
 * without checking that first.
 */
public final class EspLinkMetrics {

    /** The name Camel's Micrometer support binds its registry under (camel-micrometer, camel-micrometer-prometheus). */
    public static final String REGISTRY_NAME = "metricsRegistry";

    private EspLinkMetrics() {
    }

    /**
     * The meter registry of the Camel registry: the one named {@value #REGISTRY_NAME}, else the only
     * {@link MeterRegistry}; null if there is none (or several, none of them so named).
     */
    public static MeterRegistry meterRegistry(CamelContext context) {
        Registry registry = context.getRegistry();
        MeterRegistry named = registry.lookupByNameAndType(REGISTRY_NAME, MeterRegistry.class);
        return named != null ? named : registry.findSingleByType(MeterRegistry.class);
    }

    /**
     * Binds the meters of {@code gateway} to the Camel registry's meter registry, if it has one.
     *
     * @return what removes them again, or null if there is no meter registry
     */
    public static AutoCloseable bind(CamelContext context, GatewayView gateway, String address) {
        MeterRegistry registry = meterRegistry(context);
        if (registry == null) {
            return null;
        }
        EspLinkMeterBinder binder = new EspLinkMeterBinder(gateway, address);
        binder.bindTo(registry);
        return binder;
    }
}
