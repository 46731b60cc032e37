package io.esplink.gateway;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esplink.camel.EspLinkComponent;
import io.esplink.camel.store.JdbcStore;
import io.esplink.core.GatewayView;
import io.esplink.core.NodeView;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the HTTP API answers (bodies: {@link ApiJson}): live state from the esplink server's sessions, history from
 * the database that the esplink-to-database route writes, through its store (bean {@code esplinkDatabase}, a
 * {@link JdbcStore}; without it the API answers from memory only).
 */
public class NodesApi {

    private static final Logger LOG = LoggerFactory.getLogger(NodesApi.class);
    /** The data source of the esplink-to-database route (its store's). */
    static final String DATA_SOURCE = "esplinkDataSource";
    /** The database store of the esplink-to-database route. */
    static final String DATA_SOURCE_STORE = "esplinkDatabase";
    static final String DATABASE_ROUTE = "esplink-to-database";
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 1000;
    /** Nodes per page of {@code GET /nodes} unless {@code limit} says otherwise, and the most it may say. */
    static final int DEFAULT_PAGE = 500;
    static final int MAX_PAGE = 5000;

    /** How old the answer of {@code GET /health} without the token may be. */
    static final long OPEN_HEALTH_MAX_AGE_MS = 1000;

    private final ObjectMapper mapper = new ObjectMapper();
    private volatile Answer openHealth;
    private final CamelContext context;
    private final String address;
    private final HttpApiHandlers http;
    private final Set<String> expected = new LinkedHashSet<>();

    public NodesApi(CamelContext context, String address, String expectedClientIds, HttpApiHandlers http) {
        this.context = context;
        this.address = address;
        this.http = http;
        Arrays.stream(expectedClientIds.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .forEach(expected::add);
    }

    Set<String> expectedClientIds() {
        return expected;
    }

    // ---- GET /nodes ----

    /**
     * One page of every known node, in the order of their client IDs: at most {@code limit} ({@value #DEFAULT_PAGE},
     * up to {@value #MAX_PAGE}) nodes whose ID comes after {@code after} (keyset paging: a node that comes or goes
     * meanwhile moves no other node to another page). {@code X-Total-Count} says how many nodes there are, and a
     * {@code Link} header with {@code rel="next"} gives the next page while there is one.
     */
    public void listNodes(Exchange exchange) throws SQLException {
        Message in = exchange.getMessage();
        int limit = pageLimit(in.getHeader("limit", String.class));
        String after = in.getHeader("after", String.class);
        NavigableMap<String, ApiJson.Node> nodes = allNodes();
        NavigableMap<String, ApiJson.Node> rest = after == null || after.isEmpty() ? nodes : nodes.tailMap(after, false);
        List<ApiJson.Node> page = new ArrayList<>(Math.min(limit, rest.size()));
        for (ApiJson.Node n : rest.values()) {
            if (page.size() == limit) {
                break;
            }
            page.add(n);
        }
        json(exchange, 200, page);
        Message out = exchange.getMessage();
        out.setHeader("X-Total-Count", nodes.size());
        if (rest.size() > page.size()) {
            String last = page.get(page.size() - 1).clientId();
            out.setHeader("Link", "</nodes?limit=" + limit + "&after=" + urlEncode(last) + ">; rel=\"next\"");
        }
    }

    static int pageLimit(String raw) {
        return number("limit", raw, DEFAULT_PAGE, MAX_PAGE);
    }

    private static String urlEncode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Every known node by client ID: expected, with a session, with stored messages or events. */
    private NavigableMap<String, ApiJson.Node> allNodes() throws SQLException {
        NavigableMap<String, ApiJson.Node> nodes = new TreeMap<>();
        for (String id : expected) {
            nodes.put(id, ApiJson.Node.of(id, true));
        }
        GatewayView server = server();
        if (server != null) {
            for (NodeView s : server.nodes()) {
                ApiJson.Live live = new ApiJson.Live(ApiJson.time(s.connected() ? s.connectedSince() : null),
                        ApiJson.time(s.disconnectedAt()), s.lastDisconnectReason(), s.remoteAddress(),
                        s.connectCount(), Math.max(0, s.connectCount() - 1), ApiJson.time(s.lastMessageAt()),
                        s.messagesIn(), s.duplicatesIn(), s.messagesOut(), s.retransmissions(), s.pending());
                nodes.put(s.clientId(), node(nodes, s.clientId()).withLive(s.connected(), live));
            }
        }
        JdbcStore store = store();
        if (store != null) {
            for (JdbcStore.MessageCount m : store.messageCounts()) {
                nodes.put(m.clientId(), node(nodes, m.clientId()).withStored(m.messages(),
                        ApiJson.time(m.lastReceivedAt())));
            }
            for (String id : store.eventClientIds()) {
                node(nodes, id);
            }
        }
        return nodes;
    }

    private ApiJson.Node node(Map<String, ApiJson.Node> nodes, String id) {
        return nodes.computeIfAbsent(id, k -> ApiJson.Node.of(k, expected.contains(k)));
    }

    // ---- GET /nodes/{id}/messages ----

    public void latestMessages(Exchange exchange) throws SQLException {
        String id = exchange.getMessage().getHeader("id", String.class);
        int limit = limit(exchange.getMessage().getHeader("limit", String.class));
        JdbcStore store = store();
        if (store == null) {
            error(exchange, 503, "Messages are not stored: add esplink-to-database to esplink.routes");
            return;
        }
        List<ApiJson.Message> out = new ArrayList<>();
        for (JdbcStore.StoredMessage m : store.latestMessages(id, limit)) {
            out.add(new ApiJson.Message(ApiJson.time(m.receivedAt()), m.messageId(), m.payload()));
        }
        if (out.isEmpty() && !seen(id)) {
            error(exchange, 404, "No node '" + id + "' has been seen");
            return;
        }
        json(exchange, 200, out);
    }

    // ---- GET /nodes/{id}/events ----

    /**
     * The node's latest stored connection events (CONNECTED, DISCONNECTED with the reason), newest first: the
     * {@code esplink_event} rows the esplink-to-database route writes. Read here rather than through a {@link JdbcStore}
     * method (the store has none for events yet): the same table and index ({@code client_id, id}) as the store's own
     * queries, through its data source and table name, so a later {@code JdbcStore} query can replace it in place.
     */
    public void latestEvents(Exchange exchange) throws SQLException {
        String id = exchange.getMessage().getHeader("id", String.class);
        int limit = limit(exchange.getMessage().getHeader("limit", String.class));
        JdbcStore store = store();
        if (store == null) {
            error(exchange, 503, "Events are not stored: add esplink-to-database to esplink.routes");
            return;
        }
        List<ApiJson.Event> out = new ArrayList<>();
        try (Connection c = store.getDataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT at, event, reason, remote_address, connect_count FROM "
                                                       + store.getEventTable()
                                                       + " WHERE client_id = ? ORDER BY id DESC LIMIT ?")) {
            ps.setString(1, id);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    OffsetDateTime at = rs.getObject(1, OffsetDateTime.class);
                    int count = rs.getInt(5);
                    out.add(new ApiJson.Event(at == null ? null : ApiJson.time(at.toInstant()), rs.getString(2),
                            rs.getString(3), rs.getString(4), rs.wasNull() ? null : count));
                }
            }
        }
        if (out.isEmpty() && !seen(id)) {
            error(exchange, 404, "No node '" + id + "' has been seen");
            return;
        }
        json(exchange, 200, out);
    }

    static int limit(String raw) {
        return number("limit", raw, DEFAULT_LIMIT, MAX_LIMIT);
    }

    /** A query parameter from 1 to {@code max}, {@code dflt} when absent. */
    private static int number(String name, String raw, int dflt, int max) {
        if (raw == null || raw.isBlank()) {
            return dflt;
        }
        int n;
        try {
            n = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number from 1 to " + max + ", not '" + raw + "'");
        }
        if (n < 1 || n > max) {
            throw new IllegalArgumentException(name + " must be from 1 to " + max + ", not " + n);
        }
        return n;
    }

    // ---- POST /nodes/{id}/messages ----

    /**
     * Checks the target and turns the request body into the line to send; on a problem answers at once (the route
     * then sends nothing).
     */
    public void prepareSend(Exchange exchange) throws SQLException {
        Message in = exchange.getMessage();
        String id = in.getHeader("id", String.class);
        if (!seen(id)) {
            error(exchange, 404, "No node '" + id + "' has been seen: nothing is queued for unknown nodes");
            return;
        }
        String contentType = in.getHeader(Exchange.CONTENT_TYPE, String.class);
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/")) {
            error(exchange, 415, "Send the line as text/plain, or JSON as application/json (curl -H 'Content-Type: "
                                 + "text/plain' --data-binary 'ping'): form encoding would change the line ('+' "
                                 + "becomes a space, '%xx' is decoded)");
            return;
        }
        String body = in.getBody(String.class);
        String line;
        if (type.contains("json")) {
            try {
                JsonNode parsed = mapper.readTree(body == null ? "" : body);
                if (parsed == null || parsed.isMissingNode()) {
                    throw new IllegalArgumentException("The body is empty");
                }
                line = mapper.writeValueAsString(parsed); // one line, whatever the request's layout
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("The body is not valid JSON: " + e.getOriginalMessage());
            }
        } else {
            line = stripOneLineEnd(body == null ? "" : body);
        }
        // the esplink producer rejects what the protocol cannot carry (empty, newline) with IllegalArgumentException
        in.setBody(line);
        exchange.setProperty("esplinkApiLine", line);
        // the request's own headers must not leak into the esplink exchange
        in.removeHeaders("*", "id", Exchange.HTTP_METHOD, Exchange.HTTP_URI, Exchange.HTTP_PATH);
    }

    static String stripOneLineEnd(String s) {
        if (s.endsWith("\r\n")) {
            return s.substring(0, s.length() - 2);
        }
        if (s.endsWith("\n")) {
            return s.substring(0, s.length() - 1);
        }
        return s;
    }

    /** The node ACKed the message. */
    public void sent(Exchange exchange) {
        json(exchange, 200, new ApiJson.Sent(exchange.getMessage().getHeader("id", String.class), true,
                exchange.getProperty("esplinkApiLine", String.class)));
    }

    // ---- GET /health ----

    /**
     * UP (200) when the node listener runs, every route is started and every readiness check of Camel is UP: the
     * stores' checks write for real (a database or directory that refuses writes is DOWN, with the cause), and a
     * route that fails on node messages is DOWN until one gets through. 503 with the same details otherwise.
     * <p>
     * Open to all: without the API token it says the state of each check, not why one is down (a reason may name
     * files, nodes or the database's address), and of the nodes only how many are connected. That answer is made at
     * most once per {@value #OPEN_HEALTH_MAX_AGE_MS} ms (the stores' checks write to disk and database), so that
     * requests without the token cannot keep threads or disks busy.
     */
    public void health(Exchange exchange) {
        if (http.authorized(exchange.getMessage().getHeader("Authorization", String.class))) {
            answer(exchange, health(true));
            return;
        }
        long now = System.nanoTime();
        Answer cached = openHealth;
        if (cached == null || now - cached.madeAt() > OPEN_HEALTH_MAX_AGE_MS * 1_000_000) {
            synchronized (this) {
                cached = openHealth;
                if (cached == null || System.nanoTime() - cached.madeAt() > OPEN_HEALTH_MAX_AGE_MS * 1_000_000) {
                    cached = health(false);
                    openHealth = cached;
                }
            }
        }
        answer(exchange, cached);
    }

    /** An answer made earlier: status and JSON body. */
    private record Answer(long madeAt, int status, String body) {
    }

    private void answer(Exchange exchange, Answer a) {
        Message out = exchange.getMessage();
        out.removeHeaders("*");
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, a.status());
        out.setHeader(Exchange.CONTENT_TYPE, GatewayApiRoutes.JSON);
        out.setBody(a.body());
    }

    private Answer health(boolean details) {
        boolean up = true;
        GatewayView server = server();
        boolean running = server != null && server.isRunning();
        up &= running;
        ApiJson.NodeListener listener = server == null ? new ApiJson.NodeListener(address, false, null, null, null)
                : new ApiJson.NodeListener(address, running, server.localPort(), server.connectedClientIds().size(),
                        server.refusedConnections());
        Map<String, String> checks = new LinkedHashMap<>();
        String db = "DISABLED";
        for (HealthCheck.Result r : HealthCheckHelper.invokeReadiness(context, "full")) {
            String id = r.getCheck().getId();
            String state = r.getState() == HealthCheck.State.UP || !details ? String.valueOf(r.getState())
                    : r.getState() + r.getMessage().map(m -> ": " + m).orElse("");
            checks.put(id, state);
            up &= r.getState() != HealthCheck.State.DOWN;
            // the database: its store's probe and the route that writes the messages to it, the worse of the two
            if (id.equals("esplink-store-" + DATA_SOURCE_STORE) || id.equals("consumer:" + DATABASE_ROUTE)) {
                db = "DISABLED".equals(db) || "UP".equals(db) ? state : db;
            }
        }
        Map<String, String> routes = new LinkedHashMap<>();
        for (Route r : context.getRoutes()) {
            ServiceStatus st = context.getRouteController().getRouteStatus(r.getRouteId());
            routes.put(r.getRouteId(), String.valueOf(st));
            up &= st == ServiceStatus.Started;
        }
        up &= context.getStatus() == ServiceStatus.Started;
        return new Answer(System.nanoTime(), up ? 200 : 503, ApiJson.write(new ApiJson.Health(up ? "UP" : "DOWN",
                listener, db, new ApiJson.HttpApi(http.waitingPosts(), http.maxWaiting()), routes, checks,
                String.valueOf(context.getStatus()))));
    }

    // ---- helpers ----

    /** A session exists (it connected since the gateway started) or the database has its messages or events. */
    boolean seen(String id) throws SQLException {
        GatewayView server = server();
        if (server != null && server.node(id) != null) {
            return true;
        }
        JdbcStore store = store();
        if (store == null) {
            return false;
        }
        try {
            return store.isKnown(id);
        } catch (SQLException e) {
            LOG.warn("Could not look node '{}' up in the database: {}", id, e.getMessage());
            throw e;
        }
    }

    GatewayView server() {
        return context.getComponent("esplink", EspLinkComponent.class).getGateway(address);
    }

    /** The database store of the esplink-to-database route, or null when that route is not loaded. */
    JdbcStore store() {
        return context.getRegistry().lookupByNameAndType(DATA_SOURCE_STORE, JdbcStore.class);
    }

    void error(Exchange exchange, int status, Throwable cause) {
        error(exchange, status, cause == null ? "error" : cause.getMessage());
    }

    void error(Exchange exchange, int status, String message) {
        json(exchange, status, new ApiJson.Error(status, message));
    }

    private void json(Exchange exchange, int status, Object body) {
        String text = ApiJson.write(body);
        Message out = exchange.getMessage();
        out.removeHeaders("*", "id");
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        out.setHeader(Exchange.CONTENT_TYPE, GatewayApiRoutes.JSON);
        out.setBody(text);
    }
}
