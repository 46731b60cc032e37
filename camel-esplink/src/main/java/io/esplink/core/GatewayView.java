package io.esplink.core;

import java.util.List;
import java.util.Map;

/** What one listening gateway knows of its nodes, read-only: for applications, health checks and consoles. */
public interface GatewayView {

    /** The settings the gateway runs with. */
    ServerConfig config();

    boolean isRunning();

    /** True while the listening socket takes node connections (bound, and the owner has let it accept). */
    boolean isAccepting();

    /** The port actually bound, or -1 when not running. */
    int localPort();

    /** A snapshot of node {@code clientId}, or null if the gateway has never seen it. */
    NodeView node(String clientId);

    /** Snapshots of every node the gateway knows, sorted by client ID. */
    List<NodeView> nodes();

    /** A page of them: at most {@code limit} whose client ID comes after {@code after} (null: from the first). */
    List<NodeView> nodes(String after, int limit);

    /** Nodes the gateway remembers now (connected or not): its sessions. */
    int sessionCount();

    /** Nodes connected now. */
    int connectedCount();

    /** Messages to nodes waiting to be sent or acknowledged, over all nodes. */
    int pendingToNodes();

    /** What the gateway counted since it started: messages, duplicates, resends, connects, refusals, timings. */
    GatewayStats stats();

    /** The client IDs of the nodes connected now, sorted. */
    List<String> connectedClientIds();

    /** Node connections open now. */
    int connectionCount();

    /** Connections closed before they attached: over a limit, unknown, duplicate, no ID in time. */
    long refusedConnections();

    /** The same by reason ("wrong secret", "limit per address", ...). */
    Map<String, Long> refusedConnectionsByReason();

    /** Node messages held now, waiting for or in the routes (see maxInflightMessages). */
    int heldMessages();

    /** True while reading from some nodes is paused because the routes are behind. */
    boolean readingPaused();
}
