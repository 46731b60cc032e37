package io.esplink.camel;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.esplink.core.GatewayStats;
import io.esplink.core.GatewayView;
import io.esplink.core.NodeView;
import io.esplink.core.ServerConfig;
import org.apache.camel.Component;
import org.apache.camel.spi.annotations.DevConsole;
import org.apache.camel.support.console.AbstractDevConsole;
import org.apache.camel.util.json.JsonArray;
import org.apache.camel.util.json.JsonObject;

/**
 * The {@code esplink} dev console: each gateway (listening address) of the context's esplink components with its
 * options, connections, refusals by reason, held and pending messages, counters and timings, and a page of its nodes.
 * <p>
 * Options (all optional): {@value #ADDRESS} (only that {@code host:port}), {@value #CLIENT_ID} (only that node),
 * {@value #CONNECTED} ({@code true}: only connected nodes), {@value #LIMIT} (nodes per address, default
 * {@value #DEFAULT_LIMIT}, at most {@value #MAX_LIMIT}; 0 for none), {@value #AFTER} (the page after that client ID:
 * pass the {@code next} of the previous answer), {@value #PAYLOADS} ({@code false} hides the previews of the nodes'
 * last messages). However many nodes a gateway has, an answer holds at most one page of them.
 */
@DevConsole(name = "esplink", displayName = "EspLink", description = "esplink gateways and their MicroPython nodes")
public class EspLinkDevConsole extends AbstractDevConsole {

    /** Only the gateway on this {@code host:port}. */
    public static final String ADDRESS = "address";
    /** Only this node. */
    public static final String CLIENT_ID = "clientId";
    /** {@code true}: only nodes connected now. */
    public static final String CONNECTED = "connected";
    /** Nodes per gateway in one answer. */
    public static final String LIMIT = "limit";
    /** Nodes whose client ID comes after this one (the next page). */
    public static final String AFTER = "after";
    /** {@code false}: no previews of the nodes' last messages. */
    public static final String PAYLOADS = "payloads";

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 1000;
    /** Expected client IDs listed at most; beyond, only their number. */
    static final int MAX_EXPECTED_LISTED = 20;

    public EspLinkDevConsole() {
        super("camel", "esplink", "EspLink", "esplink gateways and their MicroPython nodes");
    }

    /** What one answer asks for. */
    private record Query(String address, String clientId, boolean connectedOnly, int limit, String after,
                         boolean payloads) {

        static Query of(Map<String, Object> options) {
            int limit = DEFAULT_LIMIT;
            Object l = options.get(LIMIT);
            if (l != null && !l.toString().isBlank()) {
                try {
                    limit = Integer.parseInt(l.toString().trim());
                } catch (NumberFormatException e) {
                    limit = DEFAULT_LIMIT;
                }
            }
            limit = Math.max(0, Math.min(limit, MAX_LIMIT));
            return new Query(text(options.get(ADDRESS)), text(options.get(CLIENT_ID)),
                    "true".equalsIgnoreCase(String.valueOf(options.get(CONNECTED))), limit, text(options.get(AFTER)),
                    !"false".equalsIgnoreCase(String.valueOf(options.get(PAYLOADS))));
        }

        private static String text(Object o) {
            return o == null || o.toString().isBlank() ? null : o.toString().trim();
        }
    }

    /** A page of nodes: the nodes, how many match in all, and the client ID to page after for the next. */
    private record Page(List<NodeView> nodes, int matching, String next) {
    }

    /** The gateways of every esplink component of the context, by address. */
    private Map<String, GatewayView> gateways(Query q) {
        Map<String, GatewayView> out = new TreeMap<>();
        for (String name : getCamelContext().getComponentNames()) {
            Component c = getCamelContext().hasComponent(name);
            if (c instanceof EspLinkComponent esplink) {
                esplink.getGateways().forEach((address, view) -> {
                    if (q.address() == null || q.address().equals(address)) {
                        out.put(address, view);
                    }
                });
            }
        }
        return out;
    }

    private static Page page(GatewayView g, Query q) {
        if (q.clientId() != null) {
            NodeView n = g.node(q.clientId());
            boolean match = n != null && (!q.connectedOnly() || n.connected());
            return new Page(match && q.limit() > 0 ? List.of(n) : List.of(), match ? 1 : 0, null);
        }
        if (q.connectedOnly()) {
            List<String> ids = g.connectedClientIds(); // sorted
            List<NodeView> nodes = new ArrayList<>();
            String last = null;
            boolean more = false;
            for (String id : ids) {
                if (q.after() != null && id.compareTo(q.after()) <= 0) {
                    continue;
                }
                if (nodes.size() >= q.limit()) {
                    more = true;
                    break;
                }
                NodeView n = g.node(id);
                if (n != null) {
                    nodes.add(n);
                    last = id;
                }
            }
            return new Page(nodes, ids.size(), more ? last : null);
        }
        List<NodeView> nodes = g.nodes(q.after(), q.limit() + 1);
        boolean more = nodes.size() > q.limit();
        if (more) {
            nodes = nodes.subList(0, q.limit());
        }
        return new Page(nodes, g.sessionCount(), more && !nodes.isEmpty() ? nodes.get(nodes.size() - 1).clientId()
                : null);
    }

    // ---- text ----

    @Override
    protected String doCallText(Map<String, Object> options) {
        Query q = Query.of(options);
        StringBuilder sb = new StringBuilder();
        Map<String, GatewayView> gateways = gateways(q);
        if (gateways.isEmpty()) {
            sb.append(q.address() == null ? "No esplink gateway runs.\n" : "No esplink gateway runs on " + q.address()
                                                                          + ".\n");
        }
        gateways.forEach((address, g) -> text(sb, address, g, q));
        return sb.toString();
    }

    private static void text(StringBuilder sb, String address, GatewayView g, Query q) {
        sb.append(String.format("esplink gateway %s: %s, port %d%n", address,
                !g.isRunning() ? "stopped" : g.isAccepting() ? "accepting node connections" : "not accepting",
                g.localPort()));
        sb.append("    Options: ");
        StringBuilder opts = new StringBuilder();
        options(g.config()).forEach((k, v) -> opts.append(opts.length() == 0 ? "" : ", ").append(k).append('=')
                .append(v));
        sb.append(opts).append('\n');
        sb.append(String.format("    Connections: %d open, %d node(s) connected, %d session(s)%n", g.connectionCount(),
                g.connectedCount(), g.sessionCount()));
        sb.append(String.format("    Refused connections: %d %s%n", g.refusedConnections(),
                g.refusedConnectionsByReason()));
        sb.append(String.format("    Held node messages: %d%s; pending to nodes: %d%n", g.heldMessages(),
                g.readingPaused() ? " (reading from nodes PAUSED: the routes are behind)" : "", g.pendingToNodes()));
        GatewayStats s = g.stats();
        sb.append(String.format("    Messages: in %d, duplicates %d, out %d, retransmissions %d%n", s.messagesIn(),
                s.duplicatesIn(), s.messagesOut(), s.retransmissions()));
        sb.append(String.format("    Connects: %d; disconnects: %d %s%n", s.connects(), s.disconnects(),
                nonZero(s.disconnectsByReason())));
        sb.append(String.format("    ACK round trip (to nodes): %s; ACK delay (processed): %s%n",
                timing(s.ackRoundTrip()), timing(s.ackDelay())));
        if (q.limit() == 0) {
            return;
        }
        Page p = page(g, q);
        sb.append(String.format("    Nodes (%d %s%s%s):%n", p.matching(),
                q.connectedOnly() ? "connected" : "known", q.after() != null ? ", after '" + q.after() + "'" : "",
                p.next() != null ? ", next page: after=" + p.next() : ""));
        for (NodeView n : p.nodes()) {
            sb.append(String.format("        %s: %s, connects %d, in %d, duplicates %d, out %d, retransmissions %d, "
                                    + "pending %d, held %d, last message %s%s%n",
                    n.clientId(),
                    n.connected() ? "connected since " + n.connectedSince() + " from " + n.remoteAddress()
                            : "away since " + n.disconnectedAt() + " (" + n.lastDisconnectReason() + ")",
                    n.connectCount(), n.messagesIn(), n.duplicatesIn(), n.messagesOut(), n.retransmissions(),
                    n.pending(), n.held(), n.lastMessageAt(),
                    q.payloads() && n.lastPayload() != null ? ": " + n.lastPayload() : ""));
        }
    }

    private static String timing(GatewayStats.Timing t) {
        return t.count() == 0 ? "none yet"
                : String.format("%d, mean %.1f ms, max %.1f ms", t.count(), t.meanMillis(), t.maxMillis());
    }

    private static Map<String, Long> nonZero(Map<String, Long> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> {
            if (v != 0) {
                out.put(k, v);
            }
        });
        return out;
    }

    // ---- JSON ----

    @Override
    protected JsonObject doCallJson(Map<String, Object> options) {
        Query q = Query.of(options);
        JsonObject root = new JsonObject();
        JsonArray list = new JsonArray();
        gateways(q).forEach((address, g) -> list.add(json(address, g, q)));
        root.put("gateways", list);
        return root;
    }

    private static JsonObject json(String address, GatewayView g, Query q) {
        JsonObject jo = new JsonObject();
        jo.put("address", address);
        jo.put("port", g.localPort());
        jo.put("running", g.isRunning());
        jo.put("accepting", g.isAccepting());
        jo.put("options", new JsonObject(options(g.config())));
        jo.put("connections", g.connectionCount());
        jo.put("nodesConnected", g.connectedCount());
        jo.put("sessions", g.sessionCount());
        jo.put("refusedConnections", g.refusedConnections());
        jo.put("refusedConnectionsByReason", new JsonObject(new TreeMap<>(g.refusedConnectionsByReason())));
        jo.put("heldMessages", g.heldMessages());
        jo.put("readingPaused", g.readingPaused());
        jo.put("pendingMessages", g.pendingToNodes());
        GatewayStats s = g.stats();
        JsonObject stats = new JsonObject();
        stats.put("messagesIn", s.messagesIn());
        stats.put("duplicatesIn", s.duplicatesIn());
        stats.put("messagesOut", s.messagesOut());
        stats.put("retransmissions", s.retransmissions());
        stats.put("connects", s.connects());
        stats.put("disconnects", s.disconnects());
        stats.put("disconnectsByReason", new JsonObject(s.disconnectsByReason()));
        stats.put("ackRoundTrip", timingJson(s.ackRoundTrip()));
        stats.put("ackDelay", timingJson(s.ackDelay()));
        jo.put("stats", stats);
        if (q.limit() > 0) {
            Page p = page(g, q);
            JsonArray nodes = new JsonArray();
            for (NodeView n : p.nodes()) {
                nodes.add(nodeJson(n, q.payloads()));
            }
            jo.put("nodes", nodes);
            jo.put("nodesMatching", p.matching());
            if (p.next() != null) {
                jo.put("next", p.next());
            }
        }
        return jo;
    }

    private static JsonObject timingJson(GatewayStats.Timing t) {
        JsonObject jo = new JsonObject();
        jo.put("count", t.count());
        jo.put("meanMillis", t.meanMillis());
        jo.put("maxMillis", t.maxMillis());
        return jo;
    }

    private static JsonObject nodeJson(NodeView n, boolean payloads) {
        JsonObject jo = new JsonObject();
        jo.put("clientId", n.clientId());
        jo.put("connected", n.connected());
        put(jo, "connectedSince", n.connectedSince());
        put(jo, "disconnectedAt", n.disconnectedAt());
        if (n.lastDisconnectReason() != null) {
            jo.put("lastDisconnectReason", n.lastDisconnectReason());
        }
        if (n.remoteAddress() != null) {
            jo.put("remoteAddress", n.remoteAddress());
        }
        jo.put("connectCount", n.connectCount());
        put(jo, "lastMessageAt", n.lastMessageAt());
        jo.put("messagesIn", n.messagesIn());
        jo.put("duplicatesIn", n.duplicatesIn());
        jo.put("messagesOut", n.messagesOut());
        jo.put("retransmissions", n.retransmissions());
        jo.put("pending", n.pending());
        jo.put("held", n.held());
        jo.put("protocolErrors", n.protocolErrors());
        jo.put("undeliverable", n.undeliverable());
        if (payloads && n.lastPayload() != null) {
            jo.put("lastPayload", n.lastPayload());
        }
        return jo;
    }

    private static void put(JsonObject jo, String key, Instant t) {
        if (t != null) {
            jo.put(key, t.toString());
        }
    }

    /** The server options of a gateway, by their endpoint option names (expected IDs: the first few). */
    static Map<String, Object> options(ServerConfig c) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("host", c.host());
        m.put("port", c.port());
        m.put("timeout", c.timeoutMs());
        m.put("maxLineLength", c.maxLineLength());
        m.put("handshakeTimeout", c.handshakeTimeoutMs());
        m.put("maxConnections", c.maxConnections());
        m.put("reservedConnections", c.reservedConnections());
        m.put("writeDelayAfterConnect", c.writeDelayMs());
        Set<String> expected = c.expectedClientIds();
        m.put("expectedClientIds", expected.size() <= MAX_EXPECTED_LISTED ? String.join(",", expected)
                : expected.size() + " client IDs");
        m.put("rejectUnknownClients", c.rejectUnknownClients());
        m.put("duplicateClientPolicy", c.duplicateClientPolicy().name().toLowerCase(java.util.Locale.ROOT));
        m.put("maxClientIdLength", c.maxClientIdLength());
        m.put("credentials", c.credentials() == null ? "" : String.valueOf(c.credentials()));
        m.put("anonymousClients", c.anonymousClients());
        m.put("allowedAddresses", c.allowedAddresses().toString());
        m.put("maxConnectionsPerAddress", c.maxConnectionsPerAddress());
        m.put("maxConnectionRatePerAddress", c.maxConnectionRatePerAddress());
        m.put("unknownClientTimeout", c.unknownClientTimeoutMs());
        m.put("maxInflightMessages", c.maxInflightMessages());
        m.put("maxInflightBytes", c.maxInflightBytes());
        m.put("maxQueuedPerNode", c.maxQueuedPerNode());
        m.put("sessionExpiry", c.sessionExpiryMs());
        m.put("maxSessions", c.maxSessions());
        m.put("backlog", c.backlog());
        return m;
    }
}
