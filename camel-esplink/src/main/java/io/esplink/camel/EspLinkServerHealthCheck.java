package io.esplink.camel;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.esplink.core.GatewayView;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of the gateway on one address: UP while its node port is bound and takes connections (from the moment
 * every route of the context has started until the context begins to stop). With {@code expectedNodes} it is also
 * DOWN while a node of {@code expectedClientIds} is not connected, naming the first few that are missing.
 * <p>
 * Registered by the component when the address's server starts, as {@code esplink-server-<host>:<port>}, and
 * unregistered when it stops.
 */
public class EspLinkServerHealthCheck extends AbstractHealthCheck {

    /** How many missing nodes the message names at most. */
    static final int NAMED_MISSING = 10;

    private final String address;
    private final GatewayView gateway;
    private final boolean expectedNodes;

    public EspLinkServerHealthCheck(String address, GatewayView gateway, boolean expectedNodes) {
        super("camel", "esplink-server-" + address);
        this.address = address;
        this.gateway = gateway;
        this.expectedNodes = expectedNodes;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("address", address);
        if (!gateway.isRunning()) {
            builder.down().message("The esplink gateway on " + address + " is not listening");
            return;
        }
        builder.detail("port", gateway.localPort());
        builder.detail("connections", gateway.connectionCount());
        builder.detail("nodes.connected", gateway.connectedCount());
        builder.detail("connections.refused", gateway.refusedConnections());
        builder.detail("messages.held", gateway.heldMessages());
        builder.detail("reading.paused", gateway.readingPaused());
        if (!gateway.isAccepting()) {
            builder.down().message("The esplink gateway on " + address + " is bound but does not take node "
                                   + "connections (the routes have not all started yet, or the context is stopping)");
            return;
        }
        Set<String> expected = gateway.config().expectedClientIds();
        if (expectedNodes && !expected.isEmpty()) {
            Set<String> connected = new HashSet<>(gateway.connectedClientIds());
            List<String> missing = new ArrayList<>();
            for (String id : expected) { // sorted
                if (!connected.contains(id)) {
                    missing.add(id);
                }
            }
            builder.detail("nodes.expected", expected.size());
            builder.detail("nodes.missing", missing.size());
            if (!missing.isEmpty()) {
                List<String> named = missing.subList(0, Math.min(NAMED_MISSING, missing.size()));
                builder.down().message(missing.size() + " of the " + expected.size() + " expected node(s) not "
                                       + "connected: " + String.join(", ", named)
                                       + (missing.size() > named.size() ? " and " + (missing.size() - named.size())
                                                                          + " more" : ""));
                return;
            }
        }
        builder.up();
    }
}
