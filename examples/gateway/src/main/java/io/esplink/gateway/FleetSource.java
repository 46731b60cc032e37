package io.esplink.gateway;

import java.util.List;

import io.esplink.core.GatewayView;
import io.esplink.core.NodeView;

/**
 * Where the status page's {@link FleetMonitor} reads the nodes from, once a second: today the esplink server's own
 * snapshots ({@link GatewayView#nodes()}, which the HTTP API reads too).
 * <p>
 * The one seam between the page and the component: a source built on the component's own meters or consoles (the
 * {@code esplink.*} Micrometer meters, the {@code esplink} dev console) can take its place without a change to the
 * monitor, the SSE stream or the page. Tests put synthetic fleets here.
 */
@FunctionalInterface
interface FleetSource {

    /** Snapshots of every node the gateway knows now (connected or not); empty while there is no server. */
    List<NodeView> nodes();

    /** The nodes of the esplink server at {@code address} ({@code host:port}) of the gateway's component. */
    static FleetSource of(NodesApi api) {
        return () -> {
            GatewayView server = api.server();
            return server == null ? List.of() : server.nodes();
        };
    }
}
