package io.esplink.gateway;

import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

import io.vertx.core.Context;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Message;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the gateway adds to platform-http's Vert.x router, ahead of the routes of the REST DSL: the bearer token check
 * of every request, and {@code POST /nodes/{id}/messages}, which waits for the node without holding a thread.
 * <p>
 * <b>Why POST is not a REST DSL route.</b> camel-platform-http-vertx (4.17) runs each request's route on a Vert.x
 * worker thread with the blocking {@code Processor.process(Exchange)}: that thread waits until the exchange is
 * complete, so a POST to a node that is away holds one of the 20 workers for the whole send timeout, and 20 of them
 * stall every endpoint. Here the request is handed to the route {@code direct:esplink-api-send} through its
 * {@link AsyncProducer} on a worker thread; the route checks the request and queues the line (the esplink producer
 * is asynchronous), and the worker is free again. The answer is written from the exchange's completion callback (the
 * node's ACK or the send timeout, on an esplink thread), on the request's event loop. At most
 * {@code esplink.http.max-waiting} POSTs may wait at once; beyond that the answer is 503 at once.
 * <p>
 * <b>Token.</b> Every request needs {@code Authorization: Bearer <token>} ({@link ApiToken}) except, without an
 * {@code Authorization} header:
 * <ul>
 * <li>{@code GET /health}, which answers without details, and {@code GET /observe/health[/live|/ready]}, answered here
 * with the overall state only ({@link OpenObserveHealth}); with the token the latter is Camel's own endpoint;</li>
 * <li>the status page's files ({@code GET /}, {@code GET /ui/<file>}), which hold no data;</li>
 * <li>{@code GET /ui/events?ticket=T} with a ticket from {@code POST /ui/tickets} ({@link EventTickets}), since a
 * browser's EventSource cannot send the header.</li>
 * </ul>
 * Everything else needs it: the API, {@code /observe/metrics}, {@code /observe/info}, the developer console
 * ({@code /q/dev}, {@code /observe/dev-console}), which name nodes. The check runs on the event loop before anything
 * else (body, route, worker), so a request without the token costs no worker thread.
 */
final class HttpApiHandlers extends ServiceSupport implements CamelContextAware {

    static final String SEND_ROUTE = "direct:esplink-api-send";
    /** Longest POST body accepted, in bytes: far above any line a node can take. */
    static final int MAX_BODY = 64 * 1024;
    /** Before every other route of the router. */
    static final int FIRST = Integer.MIN_VALUE + 1000;

    private static final Logger LOG = LoggerFactory.getLogger(HttpApiHandlers.class);

    private final int maxWaiting;
    private final Semaphore waiting;
    private CamelContext context;
    private volatile ApiToken token;
    private EventTickets tickets;
    private OpenObserveHealth openObserveHealth;
    private AsyncProducer sendProducer;
    private Route authRoute;
    private Route sendRoute;

    HttpApiHandlers(int maxWaiting) {
        if (maxWaiting < 1) {
            throw new IllegalArgumentException("esplink.http.max-waiting must be at least 1, not " + maxWaiting);
        }
        this.maxWaiting = maxWaiting;
        this.waiting = new Semaphore(maxWaiting);
    }

    @Override
    public CamelContext getCamelContext() {
        return context;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.context = camelContext;
    }

    /** What opens the status page's event stream, and the open answer of {@code /observe/health}. */
    void setOpenAccess(EventTickets tickets, OpenObserveHealth openObserveHealth) {
        this.tickets = tickets;
        this.openObserveHealth = openObserveHealth;
    }

    /** POSTs waiting for their node now. */
    int waitingPosts() {
        return maxWaiting - waiting.availablePermits();
    }

    int maxWaiting() {
        return maxWaiting;
    }

    /** Whether {@code authorization} carries the API token. */
    boolean authorized(String authorization) {
        ApiToken t = token;
        return t != null && t.matches(authorization);
    }

    @Override
    protected void doStart() throws Exception {
        PropertiesComponent pc = context.getPropertiesComponent();
        token = ApiToken.resolve(pc.resolveProperty(ApiToken.PROPERTY).orElse(""),
                Path.of(pc.resolveProperty("esplink.data.dir").orElse("./data")));
        sendProducer = context.getEndpoint(SEND_ROUTE).createAsyncProducer();
        ServiceHelper.startService(sendProducer);

        int port = Integer.parseInt(pc.resolveProperty("camel.server.port").orElse("8080"));
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null) {
            throw new IllegalStateException("No platform-http server on port " + port + " (camel.server.enabled)");
        }
        if (authRoute == null) {
            // stays until the server is closed: nothing must answer without the token meanwhile
            authRoute = router.route().order(FIRST).handler(this::authenticate);
            // JSON errors on every path: after every other route, whatever no route answered (an unknown path, or a
            // method the path lacks)
            router.route().order(Integer.MAX_VALUE).handler(ctx -> json(ctx, 404, new ApiJson.Error(404,
                    "No such endpoint: " + ctx.request().method() + " " + ctx.normalizedPath() + " (the API: "
                    + GatewayApiRoutes.ENDPOINTS + ")")));
        }
        sendRoute = router.route(HttpMethod.POST, "/nodes/:id/messages").order(FIRST + 1)
                .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY))
                .handler(this::send)
                .failureHandler(this::failure);
    }

    @Override
    protected void doStop() throws Exception {
        if (sendRoute != null) {
            sendRoute.remove();
            sendRoute = null;
        }
        ServiceHelper.stopService(sendProducer);
    }

    // ---- the token, on the event loop, before every route ----

    private void authenticate(RoutingContext ctx) {
        String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        String path = ctx.normalizedPath();
        if (ctx.request().method() == HttpMethod.GET) {
            if (StatusPage.isPageFile(path)) {
                ctx.next(); // the page's files: no data
                return;
            }
            if (authorization == null) {
                if ("/health".equals(path)) {
                    ctx.next(); // open, without details
                    return;
                }
                if (openObserveHealth != null && OpenObserveHealth.handles(path)) {
                    openObserveHealth.answer(ctx); // the overall state only
                    return;
                }
                if (tickets != null && StatusPage.EVENTS.equals(path)) {
                    if (tickets.redeem(ctx.request().getParam("ticket"))) {
                        ctx.next();
                        return;
                    }
                    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"esplink\"");
                    json(ctx, 401, new ApiJson.Error(401, "The event stream needs a ticket from POST "
                                                          + StatusPage.TICKETS + " (with the token), used within "
                                                          + EventTickets.TTL_MS / 1000 + " s and only once"));
                    return;
                }
            }
        }
        if (authorized(authorization)) {
            ctx.next();
            return;
        }
        HttpServerResponse r = ctx.response();
        if (authorization == null) {
            r.putHeader("WWW-Authenticate", "Bearer realm=\"esplink\"");
            json(ctx, 401, new ApiJson.Error(401, "This API needs its token: send 'Authorization: Bearer <token>' "
                                                  + "(the token is esplink.http.token, or else in the file api-token "
                                                  + "of the gateway's data directory)"));
        } else {
            r.putHeader("WWW-Authenticate", "Bearer realm=\"esplink\", error=\"invalid_token\"");
            json(ctx, 401, new ApiJson.Error(401, "The token is not this gateway's API token"));
        }
    }

    // ---- POST /nodes/{id}/messages ----

    private void send(RoutingContext ctx) {
        if (!context.isStarted()) {
            json(ctx, 503, new ApiJson.Error(503, "The gateway is not started"));
            return;
        }
        if (!waiting.tryAcquire()) {
            ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
            json(ctx, 503, new ApiJson.Error(503, "Too many POSTs are waiting for their nodes (" + maxWaiting
                                                  + ", esplink.http.max-waiting): try again later"));
            return;
        }
        AtomicBoolean done = new AtomicBoolean();
        Context eventLoop = ctx.vertx().getOrCreateContext();
        Exchange exchange;
        try {
            exchange = request(ctx);
        } catch (RuntimeException e) { // an unknown charset
            waiting.release();
            json(ctx, 415, new ApiJson.Error(415, "Cannot read the body: " + e.getMessage()));
            return;
        }
        // the route's first steps may read the database: on a worker, which is free again once the line is queued
        ctx.vertx().executeBlocking(() -> sendProducer.process(exchange, doneSync -> {
            if (done.compareAndSet(false, true)) {
                waiting.release();
                eventLoop.runOnContext(v -> answer(ctx, exchange));
            }
        }), false).onFailure(t -> {
            if (done.compareAndSet(false, true)) {
                waiting.release();
                exchange.setException(t);
                eventLoop.runOnContext(v -> answer(ctx, exchange));
            }
        });
    }

    /** The Camel exchange of a request: the node's ID as header {@code id}, the Content-Type, the body. */
    private Exchange request(RoutingContext ctx) {
        Exchange exchange = sendProducer.getEndpoint().createExchange(ExchangePattern.InOut);
        Message in = exchange.getMessage();
        in.setHeader("id", ctx.pathParam("id"));
        String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (contentType != null) {
            in.setHeader(Exchange.CONTENT_TYPE, contentType);
        }
        String charset = ctx.parsedHeaders().contentType().parameter("charset");
        in.setBody(ctx.body().buffer() == null ? "" : ctx.body().asString(charset == null ? "UTF-8" : charset));
        return exchange;
    }

    private void answer(RoutingContext ctx, Exchange exchange) {
        Message out = exchange.getMessage();
        Exception failure = exchange.getException();
        if (failure != null) {
            LOG.warn("POST /nodes/{}/messages failed: {}", out.getHeader("id"), failure.toString());
            json(ctx, 500, new ApiJson.Error(500, String.valueOf(failure.getMessage())));
            return;
        }
        if (ctx.response().ended() || ctx.response().closed()) {
            return; // the client has gone
        }
        ctx.response().setStatusCode(out.getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class))
                .putHeader(HttpHeaders.CONTENT_TYPE, out.getHeader(Exchange.CONTENT_TYPE, GatewayApiRoutes.JSON,
                        String.class))
                .end(out.getBody(String.class));
    }

    /** The body handler's refusals (a body over {@value #MAX_BODY} bytes) as JSON. */
    private void failure(RoutingContext ctx) {
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        String message = status == 413 ? "The body is longer than " + MAX_BODY + " bytes"
                : ctx.failure() == null ? "HTTP " + status : String.valueOf(ctx.failure().getMessage());
        json(ctx, status, new ApiJson.Error(status, message));
    }

    private static void json(RoutingContext ctx, int status, ApiJson.Error error) {
        HttpServerResponse r = ctx.response();
        if (r.ended() || r.closed()) {
            return;
        }
        r.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, GatewayApiRoutes.JSON).end(ApiJson.write(error));
    }
}
