package io.esplink.quarkus;

import java.util.Collection;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Camel's health checks in Quarkus's {@code /q/health}, through SmallRye Health: {@code camel-readiness} and
 * {@code camel-liveness}, each DOWN when one of Camel's checks of its kind is DOWN, with every check's state as data
 * under its ID ({@code consumer:esplink-to-files}, {@code esplink-store-esplinkFiles}, {@code esplink-server-...}):
 * every check, at Camel's exposure level {@code full}, not only the DOWN ones.
 * <p>
 * A stand-in: an application would add camel-quarkus-microprofile-health, which does this (one entry per check), but
 * that extension is not served here at Camel Quarkus 3.33.x.
 */
public final class CamelHealthChecks {

    private CamelHealthChecks() {
    }

    /** The readiness checks of Camel's registry (the context, the routes, the consumers, the stores, the node port). */
    @Readiness
    @ApplicationScoped
    public static class Ready implements org.eclipse.microprofile.health.HealthCheck {

        @Inject
        CamelContext context;

        @Override
        public HealthCheckResponse call() {
            return response("camel-readiness", context, c -> HealthCheckHelper.invokeReadiness(c, "full"));
        }
    }

    /** The liveness checks of Camel's registry (esplink's event loops). */
    @Liveness
    @ApplicationScoped
    public static class Live implements org.eclipse.microprofile.health.HealthCheck {

        @Inject
        CamelContext context;

        @Override
        public HealthCheckResponse call() {
            return response("camel-liveness", context, c -> HealthCheckHelper.invokeLiveness(c, "full"));
        }
    }

    static HealthCheckResponse response(String name, CamelContext context,
            Function<CamelContext, Collection<HealthCheck.Result>> invoke) {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(name).withData("camel.context", context.getName());
        boolean up = true;
        for (HealthCheck.Result r : invoke.apply(context)) {
            up &= r.getState() != HealthCheck.State.DOWN;
            b.withData(r.getCheck().getId(),
                    r.getState() + r.getMessage().map(m -> ": " + m).orElse(""));
        }
        return b.status(up).build();
    }
}
