package io.esplink.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The status page on platform-http's Vert.x router, next to the API:
 * <ul>
 * <li>{@code GET /} and {@code GET /ui/<file>}: the page, plain static files from the classpath
 * ({@code gateway-ui/}), held in memory; open, as they hold no data (the page asks the API for it with the token);</li>
 * <li>{@code POST /ui/tickets} (token): a ticket for the event stream ({@link EventTickets});</li>
 * <li>{@code GET /ui/events?ticket=T} (or with the token): server-sent events from the {@link FleetMonitor}: a
 * {@code snapshot}, then at most one {@code rows} event a second with the rows that changed, a {@code sample} every
 * few seconds, and a comment every {@value #KEEPALIVE_MS} ms;</li>
 * <li>{@code /observe/dev-console[/...]} (token): Camel's developer console, {@code /q/dev[/...]}, under the
 * {@code /observe} paths of the rest.</li>
 * </ul>
 * The token check is {@link HttpApiHandlers}' ({@link #isPageFile}, {@link #EVENTS}).
 */
final class StatusPage extends ServiceSupport implements CamelContextAware {

    static final String EVENTS = "/ui/events";
    static final String TICKETS = "/ui/tickets";
    static final String DEV_CONSOLE = "/observe/dev-console";
    static final long KEEPALIVE_MS = 15_000;
    /** Events queued for a stream and not written to its socket yet, beyond which the stream is closed. */
    static final int MAX_PENDING_EVENTS = 30;

    /** The page's files: name, content type. */
    private static final Map<String, String> FILES = new LinkedHashMap<>();

    static {
        FILES.put("index.html", "text/html; charset=utf-8");
        FILES.put("app.js", "text/javascript; charset=utf-8");
        FILES.put("app.css", "text/css; charset=utf-8");
        FILES.put("favicon.svg", "image/svg+xml");
    }

    /** What the browser may do with the page: only this origin's scripts, styles and connections, no framing. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                              + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private record PageFile(Buffer body, String contentType, String etag) {
    }

    private final FleetMonitor monitor;
    private final EventTickets tickets;
    private final int order;
    private final Map<String, PageFile> files = new LinkedHashMap<>();
    private final List<Route> routes = new ArrayList<>();
    private CamelContext context;

    StatusPage(FleetMonitor monitor, EventTickets tickets, int order) {
        this.monitor = monitor;
        this.tickets = tickets;
        this.order = order;
    }

    @Override
    public CamelContext getCamelContext() {
        return context;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.context = camelContext;
    }

    /** Whether {@code path} is one of the page's files (open: they hold no data). */
    static boolean isPageFile(String path) {
        return path.equals("/") || path.equals("/favicon.ico")
               || path.startsWith("/ui/") && FILES.containsKey(path.substring(4));
    }

    @Override
    protected void doStart() throws Exception {
        for (Map.Entry<String, String> f : FILES.entrySet()) {
            files.put(f.getKey(), load(f.getKey(), f.getValue()));
        }
        int port = Integer.parseInt(context.getPropertiesComponent().resolveProperty("camel.server.port")
                .orElse("8080"));
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null) {
            throw new IllegalStateException("No platform-http server on port " + port + " (camel.server.enabled)");
        }
        routes.add(router.route(HttpMethod.GET, "/").order(order).handler(ctx -> file(ctx, "index.html")));
        routes.add(router.route(HttpMethod.GET, "/favicon.ico").order(order)
                .handler(ctx -> file(ctx, "favicon.svg")));
        routes.add(router.route(HttpMethod.GET, EVENTS).order(order).handler(this::events));
        routes.add(router.route(HttpMethod.POST, TICKETS).order(order).handler(this::ticket));
        routes.add(router.route(HttpMethod.GET, "/ui/:file").order(order + 1)
                .handler(ctx -> file(ctx, ctx.pathParam("file"))));
        routes.add(router.route(HttpMethod.GET, DEV_CONSOLE).order(order).handler(this::devConsole));
        routes.add(router.route(HttpMethod.GET, DEV_CONSOLE + "/*").order(order).handler(this::devConsole));
    }

    @Override
    protected void doStop() {
        routes.forEach(Route::remove);
        routes.clear();
    }

    private static PageFile load(String name, String contentType) throws IOException, NoSuchAlgorithmException {
        try (InputStream in = StatusPage.class.getClassLoader().getResourceAsStream("gateway-ui/" + name)) {
            if (in == null) {
                throw new IllegalStateException("The status page's file gateway-ui/" + name + " is missing");
            }
            byte[] bytes = in.readAllBytes();
            String etag = "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 12)
                          + "\"";
            return new PageFile(Buffer.buffer(bytes), contentType, etag);
        }
    }

    // ---- the page's files ----

    private void file(RoutingContext ctx, String name) {
        PageFile f = files.get(name);
        HttpServerResponse r = ctx.response();
        securityHeaders(r);
        if (f == null) {
            r.setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, GatewayApiRoutes.JSON)
                    .end(ApiJson.write(new ApiJson.Error(404, "No such file: " + ctx.normalizedPath())));
            return;
        }
        // always asked again (no-cache), answered 304 when unchanged: a new gateway's page is never stale
        r.putHeader(HttpHeaders.CACHE_CONTROL, "no-cache").putHeader(HttpHeaders.ETAG, f.etag());
        if (f.etag().equals(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH))) {
            r.setStatusCode(304).end();
            return;
        }
        r.putHeader(HttpHeaders.CONTENT_TYPE, f.contentType()).end(f.body());
    }

    static void securityHeaders(HttpServerResponse r) {
        r.putHeader("Content-Security-Policy", CSP)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("X-Frame-Options", "DENY")
                // a ?token= in the address never leaves in a Referer
                .putHeader("Referrer-Policy", "no-referrer");
    }

    // ---- POST /ui/tickets ----

    private void ticket(RoutingContext ctx) {
        String t = tickets.issue();
        HttpServerResponse r = ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, GatewayApiRoutes.JSON)
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        if (t == null) {
            r.putHeader(HttpHeaders.RETRY_AFTER, "5").setStatusCode(503)
                    .end(ApiJson.write(new ApiJson.Error(503, "Too many tickets wait to be used: try again later")));
            return;
        }
        r.end(ApiJson.write(new ApiJson.Ticket(t, EventTickets.TTL_MS, EVENTS + "?ticket=" + t)));
    }

    // ---- GET /ui/events ----

    private void events(RoutingContext ctx) {
        HttpServerResponse r = ctx.response();
        r.setChunked(true)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .putHeader("X-Accel-Buffering", "no");
        r.write("retry: 3000\n\n");
        Stream stream = new Stream(ctx.vertx().getOrCreateContext(), r);
        long keepalive = ctx.vertx().setPeriodic(KEEPALIVE_MS, id -> {
            if (!stream.closed) {
                r.write(": keepalive\n\n");
            }
        });
        r.closeHandler(v -> {
            stream.closed = true;
            ctx.vertx().cancelTimer(keepalive);
            monitor.unsubscribe(stream);
        });
        monitor.subscribe(stream);
    }

    /** One page's stream: events are written on the connection's event loop, at most {@link #MAX_PENDING_EVENTS} queued. */
    private static final class Stream implements FleetMonitor.Subscriber {
        private final Context eventLoop;
        private final HttpServerResponse response;
        private final AtomicInteger pending = new AtomicInteger();
        volatile boolean closed;

        Stream(Context eventLoop, HttpServerResponse response) {
            this.eventLoop = eventLoop;
            this.response = response;
        }

        @Override
        public boolean send(String event, String json) {
            if (closed) {
                return false;
            }
            if (pending.get() >= MAX_PENDING_EVENTS) {
                // the page does not read: let it go; it reconnects and starts again from a snapshot
                closed = true;
                eventLoop.runOnContext(v -> response.reset());
                return false;
            }
            pending.incrementAndGet();
            Buffer b = Buffer.buffer("event: " + event + "\ndata: " + json + "\n\n");
            eventLoop.runOnContext(v -> {
                if (closed || response.closed()) {
                    pending.decrementAndGet();
                    return;
                }
                response.write(b).onComplete(ar -> pending.decrementAndGet());
            });
            return true;
        }
    }

    // ---- /observe/dev-console ----

    private void devConsole(RoutingContext ctx) {
        String rest = ctx.normalizedPath().substring(DEV_CONSOLE.length());
        String query = ctx.request().query();
        ctx.reroute(HttpMethod.GET, "/q/dev" + rest + (query == null ? "" : "?" + query));
    }
}
