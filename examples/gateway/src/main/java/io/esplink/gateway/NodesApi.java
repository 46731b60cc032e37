package io.esplink.gateway;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.esplink.camel.EspLinkComponent;
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
 * What the HTTP API answers: live state from the esplink server's sessions, history from the database that the
 * esplink-to-database route writes (bean {@code esplinkDataSource}; without it the API answers from memory only).
 */
public class NodesApi {

    private static final Logger LOG = LoggerFactory.getLogger(NodesApi.class);
    static final String DATA_SOURCE = "esplinkDataSource";
    /** The database store of the esplink-to-database route. */
    static final String DATA_SOURCE_STORE = "esplinkDatabase";
    static final String DATABASE_ROUTE = "esplink-to-database";
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 1000;

    private final ObjectMapper mapper = new ObjectMapper();
    private final CamelContext context;
    private final String address;
    private final Set<String> expected = new LinkedHashSet<>();

    public NodesApi(CamelContext context, String address, String expectedClientIds) {
        this.context = context;
        this.address = address;
        Arrays.stream(expectedClientIds.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .forEach(expected::add);
    }

    Set<String> expectedClientIds() {
        return expected;
    }

    // ---- GET /nodes ----

    public void listNodes(Exchange exchange) throws SQLException {
        Map<String, ObjectNode> nodes = new TreeMap<>();
        for (String id : expected) {
            node(nodes, id).put("expected", true);
        }
        GatewayView server = server();
        if (server != null) {
            for (NodeView s : server.nodes()) {
                ObjectNode n = node(nodes, s.clientId());
                n.put("connected", s.connected());
                putTime(n, "since", s.connected() ? s.connectedSince() : null);
                putTime(n, "disconnectedAt", s.disconnectedAt());
                n.put("lastDisconnectReason", s.lastDisconnectReason());
                n.put("remoteAddress", s.remoteAddress());
                n.put("connectCount", s.connectCount());
                n.put("reconnects", Math.max(0, s.connectCount() - 1));
                putTime(n, "lastMessageAt", s.lastMessageAt());
                n.put("messagesReceived", s.messagesIn());
                n.put("duplicatesReceived", s.duplicatesIn());
                n.put("messagesSent", s.messagesOut());
                n.put("retransmissions", s.retransmissions());
                n.put("pendingToNode", s.pending());
            }
        }
        DataSource ds = dataSource();
        if (ds != null) {
            try (Connection c = ds.getConnection();
                 PreparedStatement ps = c.prepareStatement(
                         "SELECT client_id, COUNT(*), MAX(received_at) FROM esplink_message GROUP BY client_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode n = node(nodes, rs.getString(1));
                    n.put("storedMessages", rs.getLong(2));
                    if (!n.hasNonNull("lastMessageAt")) {
                        n.put("lastMessageAt", iso(rs.getObject(3, OffsetDateTime.class)));
                    }
                }
            }
            try (Connection c = ds.getConnection();
                 PreparedStatement ps = c.prepareStatement("SELECT DISTINCT client_id FROM esplink_event");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    node(nodes, rs.getString(1));
                }
            }
        }
        ArrayNode out = mapper.createArrayNode();
        nodes.values().forEach(out::add);
        json(exchange, 200, out);
    }

    private ObjectNode node(Map<String, ObjectNode> nodes, String id) {
        return nodes.computeIfAbsent(id, k -> {
            ObjectNode n = mapper.createObjectNode();
            n.put("clientId", k);
            n.put("connected", false);
            n.put("expected", expected.contains(k));
            return n;
        });
    }

    // ---- GET /nodes/{id}/messages ----

    public void latestMessages(Exchange exchange) throws SQLException {
        String id = exchange.getMessage().getHeader("id", String.class);
        int limit = limit(exchange.getMessage().getHeader("limit", String.class));
        DataSource ds = dataSource();
        if (ds == null) {
            error(exchange, 503, "Messages are not stored: add esplink-to-database to esplink.routes");
            return;
        }
        ArrayNode out = mapper.createArrayNode();
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT received_at, message_id, payload FROM esplink_message "
                                                       + "WHERE client_id = ? ORDER BY id DESC LIMIT ?")) {
            ps.setString(1, id);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode m = out.addObject();
                    m.put("receivedAt", iso(rs.getObject(1, OffsetDateTime.class)));
                    m.put("messageId", rs.getInt(2));
                    m.put("payload", rs.getString(3));
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
        if (raw == null || raw.isBlank()) {
            return DEFAULT_LIMIT;
        }
        int n;
        try {
            n = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("limit must be a number from 1 to " + MAX_LIMIT + ", not '" + raw + "'");
        }
        if (n < 1 || n > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be from 1 to " + MAX_LIMIT + ", not " + n);
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
        ObjectNode n = mapper.createObjectNode();
        n.put("clientId", exchange.getMessage().getHeader("id", String.class));
        n.put("delivered", true);
        n.put("payload", exchange.getProperty("esplinkApiLine", String.class));
        json(exchange, 200, n);
    }

    // ---- GET /health ----

    /**
     * UP (200) when the node listener runs, every route is started and every readiness check of Camel is UP: the
     * stores' checks write for real (a database or directory that refuses writes is DOWN, with the cause), and a
     * route that fails on node messages is DOWN until one gets through. 503 with the same details otherwise.
     */
    public void health(Exchange exchange) {
        ObjectNode n = mapper.createObjectNode();
        boolean up = true;
        GatewayView server = server();
        ObjectNode gw = n.putObject("nodeListener");
        gw.put("address", address);
        boolean running = server != null && server.isRunning();
        gw.put("running", running);
        up &= running;
        if (server != null) {
            gw.put("port", server.localPort());
            gw.put("connectedNodes", server.connectedClientIds().size());
            gw.put("refusedConnections", server.refusedConnections());
        }
        ObjectNode checks = mapper.createObjectNode();
        String db = "DISABLED";
        for (HealthCheck.Result r : HealthCheckHelper.invokeReadiness(context, "full")) {
            String id = r.getCheck().getId();
            String state = r.getState() == HealthCheck.State.UP ? "UP"
                    : r.getState() + r.getMessage().map(m -> ": " + m).orElse("");
            checks.put(id, state);
            up &= r.getState() != HealthCheck.State.DOWN;
            // the database: its store's probe and the route that writes the messages to it, the worse of the two
            if (id.equals("esplink-store-" + DATA_SOURCE_STORE) || id.equals("consumer:" + DATABASE_ROUTE)) {
                db = "DISABLED".equals(db) || "UP".equals(db) ? state : db;
            }
        }
        n.put("database", db);
        ObjectNode routes = n.putObject("routes");
        for (Route r : context.getRoutes()) {
            ServiceStatus st = context.getRouteController().getRouteStatus(r.getRouteId());
            routes.put(r.getRouteId(), String.valueOf(st));
            up &= st == ServiceStatus.Started;
        }
        n.set("checks", checks);
        n.put("camel", String.valueOf(context.getStatus()));
        up &= context.getStatus() == ServiceStatus.Started;
        // status first for humans reading it
        ObjectNode ordered = mapper.createObjectNode();
        ordered.put("status", up ? "UP" : "DOWN");
        ordered.setAll(n);
        json(exchange, up ? 200 : 503, ordered);
    }

    // ---- helpers ----

    /** A session exists (it connected since the gateway started) or the database has its messages or events. */
    boolean seen(String id) throws SQLException {
        GatewayView server = server();
        if (server != null && server.node(id) != null) {
            return true;
        }
        DataSource ds = dataSource();
        if (ds == null) {
            return false;
        }
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT 1 FROM esplink_message WHERE client_id = ? UNION SELECT 1 FROM esplink_event WHERE client_id = ?")) {
            ps.setString(1, id);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            LOG.warn("Could not look node '{}' up in the database: {}", id, e.getMessage());
            throw e;
        }
    }

    GatewayView server() {
        return context.getComponent("esplink", EspLinkComponent.class).getGateway(address);
    }

    DataSource dataSource() {
        return context.getRegistry().lookupByNameAndType(DATA_SOURCE, DataSource.class);
    }

    void error(Exchange exchange, int status, Throwable cause) {
        error(exchange, status, cause == null ? "error" : cause.getMessage());
    }

    void error(Exchange exchange, int status, String message) {
        ObjectNode n = mapper.createObjectNode();
        n.put("status", status);
        n.put("error", message);
        json(exchange, status, n);
    }

    private void json(Exchange exchange, int status, JsonNode body) {
        Message out = exchange.getMessage();
        out.removeHeaders("*", "id");
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        out.setHeader(Exchange.CONTENT_TYPE, GatewayApiRoutes.JSON);
        out.setBody(body.toString());
    }

    private static void putTime(ObjectNode n, String field, Instant at) {
        n.put(field, at == null ? null : at.toString());
    }

    private static String iso(OffsetDateTime t) {
        return t == null ? null : t.toInstant().toString();
    }
}
