package io.esplink.camel;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.TabularData;

import io.esplink.core.EspLinkServer;
import io.esplink.core.GatewayStats;
import io.esplink.core.GatewayView;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedOperation;

/**
 * The JMX attributes and operations of the gateway on an address, shared by the MBeans of the
 * {@link EspLinkEndpoint endpoints} and {@link EspLinkConsumer consumers} of that address (they show the same
 * gateway). Camel's management merges them into the endpoint's and consumer's own MBeans. While no gateway runs on
 * the address the counters read 0 and the operations fail.
 */
public interface EspLinkGatewayMBean {

    /** How long {@link #sendToNode} waits for the node's ACK at most (the message stays queued after). */
    long SEND_WAIT_MS = 10_000;

    /** The endpoint whose address this is (not an attribute). */
    EspLinkEndpoint gatewayEndpoint();

    /** The gateway running on the address, or null. */
    default EspLinkServer gatewayServer() {
        EspLinkEndpoint ep = gatewayEndpoint();
        return ep.getComponent().getServer(ep.address());
    }

    private long stat(java.util.function.ToLongFunction<GatewayStats> f) {
        GatewayView g = gatewayServer();
        return g == null ? 0 : f.applyAsLong(g.stats());
    }

    private int view(java.util.function.ToIntFunction<GatewayView> f) {
        GatewayView g = gatewayServer();
        return g == null ? 0 : f.applyAsInt(g);
    }

    @ManagedAttribute(description = "The gateway's listening address, host:port")
    default String getGatewayAddress() {
        return gatewayEndpoint().address();
    }

    @ManagedAttribute(description = "True while the gateway listens on its address")
    default boolean isGatewayRunning() {
        GatewayView g = gatewayServer();
        return g != null && g.isRunning();
    }

    @ManagedAttribute(description = "True while the gateway takes node connections")
    default boolean isGatewayAccepting() {
        GatewayView g = gatewayServer();
        return g != null && g.isAccepting();
    }

    @ManagedAttribute(description = "The port actually bound, -1 when not listening")
    default int getLocalPort() {
        GatewayView g = gatewayServer();
        return g == null ? -1 : g.localPort();
    }

    @ManagedAttribute(description = "Nodes connected now")
    default int getConnectedNodes() {
        return view(GatewayView::connectedCount);
    }

    @ManagedAttribute(description = "Nodes the gateway remembers (sessions, connected or away)")
    default int getSessions() {
        return view(GatewayView::sessionCount);
    }

    @ManagedAttribute(description = "Node connections open now")
    default int getConnections() {
        return view(GatewayView::connectionCount);
    }

    @ManagedAttribute(description = "Node messages held now, waiting for or in the routes")
    default int getHeldMessages() {
        return view(GatewayView::heldMessages);
    }

    @ManagedAttribute(description = "Messages to nodes waiting to be sent or acknowledged")
    default int getPendingMessages() {
        return view(GatewayView::pendingToNodes);
    }

    @ManagedAttribute(description = "True while reading from nodes is paused because the routes are behind")
    default boolean isReadingPaused() {
        GatewayView g = gatewayServer();
        return g != null && g.readingPaused();
    }

    @ManagedAttribute(description = "New messages received from nodes")
    default long getMessagesIn() {
        return stat(GatewayStats::messagesIn);
    }

    @ManagedAttribute(description = "Duplicate messages received from nodes")
    default long getDuplicatesIn() {
        return stat(GatewayStats::duplicatesIn);
    }

    @ManagedAttribute(description = "Messages written to nodes (first writes)")
    default long getMessagesOut() {
        return stat(GatewayStats::messagesOut);
    }

    @ManagedAttribute(description = "Messages written to nodes again")
    default long getRetransmissions() {
        return stat(GatewayStats::retransmissions);
    }

    @ManagedAttribute(description = "Node connections refused before they attached")
    default long getRefusedConnections() {
        GatewayView g = gatewayServer();
        return g == null ? 0 : g.refusedConnections();
    }

    @ManagedAttribute(description = "Refused connections by reason")
    default String getRefusedConnectionsByReason() {
        GatewayView g = gatewayServer();
        return g == null ? "{}" : g.stats().refusedByReason().toString();
    }

    @ManagedAttribute(description = "Node connections attached")
    default long getConnects() {
        return stat(GatewayStats::connects);
    }

    @ManagedAttribute(description = "Attached node connections that ended")
    default long getDisconnects() {
        return stat(GatewayStats::disconnects);
    }

    @ManagedAttribute(description = "Outages: connections that ended because nothing came for a timeout")
    default long getOutages() {
        return stat(GatewayStats::outages);
    }

    @ManagedAttribute(description = "Disconnects by reason")
    default String getDisconnectsByReason() {
        GatewayView g = gatewayServer();
        Map<String, Long> m = g == null ? Map.of() : g.stats().disconnectsByReason();
        return m.toString();
    }

    @ManagedAttribute(description = "Messages to nodes ACKed after one write")
    default long getAckRoundTripCount() {
        return stat(s -> s.ackRoundTrip().count());
    }

    @ManagedAttribute(description = "Mean time from writing a message to a node to its ACK, ms")
    default double getAckRoundTripMeanMillis() {
        GatewayView g = gatewayServer();
        return g == null ? 0 : g.stats().ackRoundTrip().meanMillis();
    }

    @ManagedAttribute(description = "Longest time from writing a message to a node to its ACK, ms")
    default double getAckRoundTripMaxMillis() {
        GatewayView g = gatewayServer();
        return g == null ? 0 : g.stats().ackRoundTrip().maxMillis();
    }

    @ManagedAttribute(description = "Node messages ACKed after processing (ackMode=processed)")
    default long getAckDelayCount() {
        return stat(s -> s.ackDelay().count());
    }

    @ManagedAttribute(description = "Mean time from receiving a node message to its ACK (ackMode=processed), ms")
    default double getAckDelayMeanMillis() {
        GatewayView g = gatewayServer();
        return g == null ? 0 : g.stats().ackDelay().meanMillis();
    }

    @ManagedAttribute(description = "Longest time from receiving a node message to its ACK (ackMode=processed), ms")
    default double getAckDelayMaxMillis() {
        GatewayView g = gatewayServer();
        return g == null ? 0 : g.stats().ackDelay().maxMillis();
    }

    /** The nodes, a page at a time: at most {@code limit} (1-1000) whose client ID comes after {@code after}. */
    @ManagedOperation(description = "The nodes the gateway knows, sorted by client ID: at most limit (1-1000) whose "
                                    + "client ID comes after 'after' (empty: from the first)")
    default TabularData listNodes(int limit, String after) throws OpenDataException {
        GatewayView g = requireGateway();
        int n = Math.max(1, Math.min(limit, 1000));
        return NodeTable.of(g.nodes(after == null || after.isEmpty() ? null : after, n));
    }

    /** Closes the node's connection; it reconnects by itself and finds what is queued for it. */
    @ManagedOperation(description = "Close the connection of a node (it reconnects by itself; messages queued for it "
                                    + "stay queued); false if it is not connected")
    default boolean disconnectNode(String clientId) {
        return requireGateway().disconnect(clientId, null);
    }

    /**
     * Sends {@code line} to the node, with qos: waits up to {@link #SEND_WAIT_MS} (or the endpoint's shorter
     * sendTimeout) for its ACK and says how it went; a message not acknowledged by then stays queued until the
     * endpoint's sendTimeout.
     */
    @ManagedOperation(description = "Send a line to a node and wait up to 10 s for its ACK; says whether it was "
                                    + "delivered (a message not acknowledged by then stays queued until sendTimeout)")
    default String sendToNode(String clientId, String line) {
        EspLinkServer server = requireGateway();
        long sendTimeout = gatewayEndpoint().getConfiguration().getSendTimeout();
        long wait = sendTimeout > 0 ? Math.min(sendTimeout, SEND_WAIT_MS) : SEND_WAIT_MS;
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        server.send(clientId, line, true, true, sendTimeout, outcome::complete);
        try {
            Throwable failure = outcome.get(wait, TimeUnit.MILLISECONDS);
            return failure == null ? "delivered: node '" + clientId + "' acknowledged it"
                    : "not delivered: " + failure.getMessage();
        } catch (TimeoutException e) {
            boolean up = server.connectedClientIds().contains(clientId);
            return "queued: node '" + clientId + "' (" + (up ? "connected" : "not connected") + ") has not "
                   + "acknowledged it within " + wait + " ms; it stays queued"
                   + (sendTimeout > 0 ? " for up to " + sendTimeout + " ms (sendTimeout)" : "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while waiting: the message stays queued";
        } catch (ExecutionException e) {
            return "not delivered: " + e.getCause();
        }
    }

    private EspLinkServer requireGateway() {
        EspLinkServer server = gatewayServer();
        if (server == null || !server.isRunning()) {
            throw new IllegalStateException("No esplink gateway runs on " + gatewayEndpoint().address());
        }
        return server;
    }
}
