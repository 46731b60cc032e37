package io.esplink.quarkus;

import io.esplink.camel.store.MessageStore;
import io.esplink.camel.store.StoreHealthCheck;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;

/**
 * A readiness check per store of the routes ({@code esplink-store-esplinkFiles}, {@code esplink-store-esplinkDatabase}:
 * a real write each), as the gateway registers them; Camel's checks then show in {@code /q/health/ready}.
 */
@ApplicationScoped
public class StoreHealthChecks {

    void register(@Observes StartupEvent event, CamelContext context) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        if (registry == null) {
            return;
        }
        context.getRegistry().findByTypeWithName(MessageStore.class).forEach((name, store) -> {
            StoreHealthCheck check = new StoreHealthCheck(name, store);
            if (registry.getCheck(check.getId()).isEmpty()) {
                registry.register(check);
            }
        });
    }
}
