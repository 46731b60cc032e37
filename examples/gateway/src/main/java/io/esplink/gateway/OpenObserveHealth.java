package io.esplink.gateway;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;

/**
 * {@code GET /observe/health}, {@code /observe/health/live} and {@code /observe/health/ready} for requests without the
 * token: Camel's own health checks (the same as Camel's endpoint answers with the token: the stores' real writes, the
 * routes, the consumers), but only the overall state, {@code {"status":"UP"}} or {@code {"status":"DOWN"}} (503), in
 * Camel's {@code oneline} form. Query parameters ({@code exposureLevel}, {@code stackTrace}, {@code data}) are ignored:
 * a check's name or message may name files, nodes or the database, which only token holders see.
 * <p>
 * As for {@code GET /health}, the answer is made at most once a second per path (the store checks write to disk and
 * database), on a worker thread, so a flood of requests without the token keeps neither threads nor disks busy.
 */
final class OpenObserveHealth {

    static final String PATH = "/observe/health";
    static final long MAX_AGE_MS = 1000;

    private record Answer(long madeAt, boolean up) {
    }

    private final CamelContext context;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();

    OpenObserveHealth(CamelContext context) {
        this.context = context;
    }

    static boolean handles(String path) {
        return path.equals(PATH) || path.equals(PATH + "/live") || path.equals(PATH + "/ready");
    }

    void answer(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        Answer a = answers.get(path);
        if (a != null && fresh(a)) {
            write(ctx, a);
            return;
        }
        ctx.vertx().executeBlocking(() -> compute(path), false)
                .onComplete(ar -> write(ctx, ar.succeeded() ? ar.result() : new Answer(System.nanoTime(), false)));
    }

    private static boolean fresh(Answer a) {
        return System.nanoTime() - a.madeAt() <= MAX_AGE_MS * 1_000_000;
    }

    private synchronized Answer compute(String path) {
        Answer a = answers.get(path);
        if (a != null && fresh(a)) {
            return a; // made by another request meanwhile
        }
        boolean readiness = path.endsWith("/ready");
        Collection<HealthCheck.Result> results = path.endsWith("/live")
                ? HealthCheckHelper.invokeLiveness(context, "oneline")
                : readiness ? HealthCheckHelper.invokeReadiness(context, "oneline")
                : HealthCheckHelper.invoke(context, "oneline");
        a = new Answer(System.nanoTime(), HealthCheckHelper.isResultsUp(results, readiness));
        answers.put(path, a);
        return a;
    }

    private static void write(RoutingContext ctx, Answer a) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        ctx.response().setStatusCode(a.up() ? 200 : 503)
                .putHeader(HttpHeaders.CONTENT_TYPE, GatewayApiRoutes.JSON)
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end("{\"status\":\"" + (a.up() ? "UP" : "DOWN") + "\"}\n");
    }
}
