package io.esplink.gateway;

import java.sql.SQLException;

import io.esplink.camel.EspLinkConstants;
import io.esplink.core.EspLinkException;
import io.esplink.core.SendTimeoutException;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestBindingMode;
import org.apache.camel.spi.PropertiesComponent;

/**
 * The gateway's HTTP API on platform-http ({@code esplink.http.host}:{@code esplink.http.port}), every request with
 * {@code Authorization: Bearer <token>} but {@code GET /health} ({@link HttpApiHandlers}, {@link ApiToken}):
 * <ul>
 * <li>{@code GET /nodes?limit=N&after=ID}: a page of the known nodes, connected or not, with their counters;</li>
 * <li>{@code GET /nodes/{id}/messages?limit=N}: the latest stored messages of a node, newest first;</li>
 * <li>{@code GET /nodes/{id}/events?limit=N}: the latest stored connection events of a node, newest first;</li>
 * <li>{@code POST /nodes/{id}/messages}: sends the body (one line, or JSON) to the node and answers once the node
 * ACKed it: 200, or 504 when it did not within {@code esplink.http.send-timeout}, 404 for a node never seen, 400 for
 * a body that cannot be sent, 503 when {@code esplink.http.max-waiting} POSTs wait already. Served by
 * {@link HttpApiHandlers}, which waits for the node without holding a thread, through the route
 * {@value HttpApiHandlers#SEND_ROUTE};</li>
 * <li>{@code GET /health}: 200 when the node listener, the database and every route are up, else 503.</li>
 * </ul>
 * Beside them: the status page ({@link StatusPage}: {@code GET /}, its event stream) and Camel's own observability
 * endpoints ({@code /observe/health}, {@code /observe/metrics}, {@code /observe/info}, the developer console), which
 * Camel Main puts on the same server ({@code camel.management.*} in application.properties).
 */
public class GatewayApiRoutes extends RouteBuilder {

    static final String JSON = "application/json";
    /** Every endpoint of the API, as the startup line lists them. */
    static final String ENDPOINTS = "GET /nodes, GET|POST /nodes/{id}/messages, GET /health, GET /openapi.json";
    /** The OpenAPI document of the API (camel-openapi-java, from the REST DSL below). */
    static final String OPENAPI = "/openapi.json";

    @Override
    public void configure() throws Exception {
        PropertiesComponent pc = getContext().getPropertiesComponent();
        String host = pc.resolveProperty("esplink.host").orElse("0.0.0.0");
        String port = pc.resolveProperty("esplink.port").orElse("8123");
        HttpApiHandlers http = new HttpApiHandlers(
                Integer.parseInt(pc.resolveProperty("esplink.http.max-waiting").orElse("100").trim()));
        // started with the context after the HTTP server and before the routes: no request is answered without it
        getContext().addService(http, true, true);
        NodesApi api = new NodesApi(getContext(), host + ":" + port,
                pc.resolveProperty("esplink.expected").orElse(""), http);
        getContext().getRegistry().bind("esplinkNodesApi", api);
        // the status page: its monitor, its files and event stream
        FleetMonitor fleet = new FleetMonitor(FleetSource.of(api), api.expectedClientIds());
        fleet.setStore(api::store);
        getContext().getRegistry().bind(FleetMonitor.BEAN, fleet);
        getContext().getRegistry().bind(NodeMessages.BEAN,
                new NodeMessages(pc.resolveProperty("esplink.log.messages").orElse("DEBUG")));
        EventTickets tickets = new EventTickets();
        http.setOpenAccess(tickets, new OpenObserveHealth(getContext()));
        getContext().addService(fleet, true, true);
        getContext().addService(new StatusPage(fleet, tickets, HttpApiHandlers.FIRST + 2), true, true);

        String producer = "esplink:" + host + ":" + port + "?sendTimeout={{esplink.http.send-timeout}}";

        // the body is the line to send, whatever the Content-Type: curl -d sends form-urlencoded
        restConfiguration().component("platform-http").bindingMode(RestBindingMode.off)
                .endpointProperty("populateBodyWithForm", "false")
                .apiContextPath(OPENAPI)
                .apiProperty("api.title", "esplink gateway API")
                .apiProperty("api.version", "0.1.0")
                .apiProperty("api.description", "The nodes of an esplink gateway, their stored messages, and commands to "
                                                + "them. Every request but GET /health needs 'Authorization: Bearer "
                                                + "<token>'. Errors are JSON: {\"status\":404,\"error\":\"...\"}.");

        onException(SendTimeoutException.class).handled(true)
                .process(e -> api.error(e, 504, e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class)));
        onException(IllegalArgumentException.class).handled(true)
                .process(e -> api.error(e, 400, e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class)));
        onException(EspLinkException.class).handled(true)
                .process(e -> api.error(e, 503, e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class)));
        onException(SQLException.class).handled(true)
                .process(e -> api.error(e, 503, "The database cannot be read now: "
                                                + e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class).getMessage()));

        rest("/nodes").id("esplink-api-nodes")
                .get().produces(JSON).to("direct:esplink-api-nodes")
                .get("/{id}/messages").produces(JSON).to("direct:esplink-api-messages")
                .get("/{id}/events").produces(JSON).to("direct:esplink-api-events");
        // POST /nodes/{id}/messages: HttpApiHandlers hands it to this route asynchronously
        rest("/health").id("esplink-api-health-rest")
                .get().produces(JSON).to("direct:esplink-api-health");
        // the OpenAPI document: what each endpoint takes and answers, POST /nodes/{id}/messages included
        OpenApiDocs.describe(this);

        from("direct:esplink-api-nodes").routeId("esplink-api-list")
                .bean(api, "listNodes");
        from("direct:esplink-api-messages").routeId("esplink-api-messages")
                .bean(api, "latestMessages");
        from("direct:esplink-api-events").routeId("esplink-api-events")
                .bean(api, "latestEvents");
        from(HttpApiHandlers.SEND_ROUTE).routeId("esplink-api-send")
                .bean(api, "prepareSend")
                .filter(header(Exchange.HTTP_RESPONSE_CODE).isNull())
                    .setHeader(EspLinkConstants.CLIENT_ID, header("id"))
                    .to(producer)
                    .bean(api, "sent")
                .end();
        from("direct:esplink-api-health").routeId("esplink-api-health")
                .bean(api, "health");
    }
}
