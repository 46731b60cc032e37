package io.esplink.gateway;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.esplink.testing.RecordingNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Camel's observability endpoints on the API's server: {@code /observe/health} open with the overall state only (like
 * {@code /health}), Camel's full answer with the token; metrics, info and the developer console with the token only.
 */
class ObserveEndpointsTest extends GatewayTestSupport {

    @Test
    void healthIsOpenWithTheStateOnlyAndCamelsFullAnswerWithTheToken() throws Exception {
        startGateway();
        token = null;
        for (String path : new String[] {"/observe/health", "/observe/health/live", "/observe/health/ready",
                                         "/observe/health?exposureLevel=full&stackTrace=true&data=true"}) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(json(r).toString()).as(path).isEqualTo("{\"status\":\"UP\"}");
        }

        token = TOKEN;
        HttpResponse<String> full = get("/observe/health/ready?exposureLevel=full");
        assertThat(full.statusCode()).isEqualTo(200);
        assertThat(full.body()).contains("\"esplink-store-esplinkDatabase\"", "\"esplink-store-esplinkFiles\"",
                "\"route:esplink-to-database\"", "\"esplink-server-");
        assertThat(get("/observe/health/live?exposureLevel=full").body()).contains("\"esplink-liveness\"");

        token = "a-wrong-token-0123456789";
        assertThat(get("/observe/health").statusCode()).isEqualTo(401);
    }

    @Test
    void openHealthTurnsDownWithTheDatabaseRoute() throws Exception {
        startGateway();
        context().getRouteController().stopRoute(NodesApi.DATABASE_ROUTE);
        token = null;
        await().atMost(WAIT).until(() -> get("/observe/health/ready").statusCode() == 503);
        assertThat(json(get("/observe/health/ready")).toString()).isEqualTo("{\"status\":\"DOWN\"}");
        token = TOKEN;
        assertThat(get("/observe/health/ready?exposureLevel=full").body())
                .contains("\"route:esplink-to-database\"", "DOWN");
    }

    /** The exchange events Camel's "event" console holds now. */
    private List<?> consoleExchangeEvents() {
        org.apache.camel.console.DevConsole console = context().getCamelContextExtension()
                .getContextPlugin(org.apache.camel.console.DevConsoleRegistry.class).getConsole("event")
                .orElseThrow(() -> new AssertionError("no event console"));
        Object events = ((Map<?, ?>) console.call(org.apache.camel.console.DevConsole.MediaType.JSON))
                .get("exchangeEvents");
        return events == null ? List.of() : (List<?>) events;
    }

    @Test
    void theEventConsoleRecordsNoExchangeEventsByDefault_aCostAtEveryNodeMessage_onlyWhenAskedTo() throws Exception {
        startGateway();
        RecordingNode kitchen = node("kitchen");
        kitchen.client.send("21.5").get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> get("/nodes/kitchen/messages").body().contains("21.5"));
        assertThat(consoleExchangeEvents()).isEmpty();
        stopEverything();
        nodes.clear();

        startGateway(Map.of(Gateway.DEV_CONSOLE_EXCHANGE_EVENTS, "true"));
        kitchen = node("kitchen");
        kitchen.client.send("22.0").get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> !consoleExchangeEvents().isEmpty());
    }

    @Test
    void metricsInfoAndTheDeveloperConsoleNeedTheToken() throws Exception {
        startGateway();
        RecordingNode kitchen = node("kitchen");
        kitchen.client.send("21.5").get(10, TimeUnit.SECONDS);
        String[] paths = {"/observe/metrics", "/observe/info", "/q/dev", "/q/dev/route", "/observe/dev-console",
                          "/observe/dev-console/route"};
        token = null;
        for (String p : paths) {
            HttpResponse<String> r = get(p);
            assertThat(r.statusCode()).as(p).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).as(p).hasValueSatisfying(v -> v.startsWith("Bearer"));
        }
        token = "a-wrong-token-0123456789";
        for (String p : paths) {
            assertThat(get(p).statusCode()).as(p).isEqualTo(401);
        }

        token = TOKEN;
        await().atMost(WAIT).untilAsserted(() -> {
            HttpResponse<String> metrics = get("/observe/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(v -> v.startsWith("text/plain"));
            assertThat(metrics.body()).contains("# TYPE camel_exchanges_total counter")
                    .contains("routeId=\"esplink-log\"").contains("jvm_memory_used_bytes")
                    // the route timer of the gateway's route meters (RouteMetersTest), with the node's message
                    .containsPattern("camel_route_policy_seconds_count\\{[^}]*routeId=\"esplink-log\"[^}]*\\} [1-9]")
                    // the component's own meters, bound to the gateway's Prometheus registry
                    .containsPattern("esplink_nodes_connected\\{address=\"[^\"]+\"[^}]*\\} 1\\.0")
                    .containsPattern("esplink_messages_in_total\\{address=\"[^\"]+\"[^}]*\\} 1\\.0")
                    .contains("esplink_ack_delay_seconds_count");
        });
        HttpResponse<String> esplink = get("/observe/dev-console/esplink");
        assertThat(esplink.statusCode()).isEqualTo(200);
        assertThat(esplink.body()).contains("kitchen");
        assertThat(get("/observe/info").body()).contains("\"esplink-gateway\"");
        HttpResponse<String> routes = get("/observe/dev-console/route");
        assertThat(routes.statusCode()).isEqualTo(200);
        assertThat(routes.body()).contains("esplink-log", "esplink-to-database");
        assertThat(get("/q/dev/route").body()).contains("esplink-log");
        assertThat(get("/observe/dev-console").body()).contains("health").contains("route");
    }
}
