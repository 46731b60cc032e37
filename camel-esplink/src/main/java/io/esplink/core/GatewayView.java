package io.esplink.core;

import java.util.List;
import java.util.Map;

/** What one listening gateway knows of its nodes, read-only: for applications, health checks and consoles. */
public interface GatewayView {

    /** The settings the gateway runs with. */
    ServerConfig config();

    boolean isRunning();

    /** The port actually bound, or -1 when not running. */
    int localPort();

    /** A snapshot of node {@code clientId}, or null if the gateway has never seen it. */
    NodeView node(String clientId);

    /** Snapshots of every node the gateway knows, sorted by client ID. */
    List<NodeView> nodes();

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
