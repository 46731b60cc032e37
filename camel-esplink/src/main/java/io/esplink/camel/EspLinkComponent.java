package io.esplink.camel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.esplink.core.EspLinkServer;
import io.esplink.core.ServerConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutorGroup;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.SimpleEventNotifierSupport;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.HealthCheckComponent;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The esplink component: one gateway server per listening address, shared by every endpoint on that address and
 * closed when the last one stops. The event loops and the delivery threads are shared by all servers.
 */
@Component("esplink")
public class EspLinkComponent extends HealthCheckComponent {

    private static final Logger LOG = LoggerFactory.getLogger(EspLinkComponent.class);

    @Metadata(label = "advanced", defaultValue = "0",
              description = "Netty I/O threads for node connections; 0 uses Netty's default (twice the cores).")
    private int ioThreads;
    @Metadata(label = "advanced", defaultValue = "16",
              description = "Threads that run the routes of node messages and complete producer exchanges. Each "
                            + "node is served by one of them, so its messages stay in order; the I/O threads are "
                            + "never blocked by a route.")
    private int deliveryThreads = 16;

    private final Map<String, List<EspLinkEndpoint>> endpoints = new HashMap<>();
    private final Map<String, Shared> servers = new HashMap<>();
    private EventLoopGroup bossGroup;
    private EventLoopGroup ioGroup;
    private EventExecutorGroup deliveryGroup;
    private final ContextEvents contextEvents = new ContextEvents();

    private static final class Shared {
        final EspLinkServer server;
        final Map<String, Object> options;
        int refs;

        Shared(EspLinkServer server, Map<String, Object> options) {
            this.server = server;
            this.options = options;
        }
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        EspLinkEndpoint endpoint = new EspLinkEndpoint(uri, this);
        String rest = remaining.startsWith("//") ? remaining.substring(2) : remaining;
        int colon = rest.lastIndexOf(':');
        String host = rest;
        if (colon > 0 && rest.indexOf(']') < colon) {
            host = rest.substring(0, colon);
            String port = rest.substring(colon + 1);
            try {
                endpoint.setPort(Integer.parseInt(port));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("esplink: the port in '" + uri + "' is not a number: " + port);
            }
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        endpoint.setHost(host);
        setProperties(endpoint, parameters);
        synchronized (this) {
            endpoints.computeIfAbsent(endpoint.address(), k -> new ArrayList<>()).add(endpoint);
        }
        return endpoint;
    }

    synchronized void forget(EspLinkEndpoint endpoint) {
        List<EspLinkEndpoint> list = endpoints.get(endpoint.address());
        if (list != null) {
            list.remove(endpoint);
        }
    }

    /** The server of the endpoint's address, started if this is its first user. */
    synchronized EspLinkServer acquire(EspLinkEndpoint endpoint) {
        String address = endpoint.address();
        Shared shared = servers.get(address);
        if (shared == null) {
            Map<String, Object> merged = mergeOptions(address);
            ServerConfig config = endpoint.serverConfig(merged);
            startGroups();
            EspLinkServer server = new EspLinkServer(config, bossGroup, ioGroup, deliveryGroup,
                    sslContext((SSLContextParameters) merged.get("sslContextParameters")));
            server.bind();
            if (getCamelContext().isStarted()) {
                server.accept();
            } // else once every route of the context has started (see ContextEvents)
            shared = new Shared(server, merged);
            servers.put(address, shared);
        } else {
            for (Map.Entry<String, Object> e : endpoint.explicitServerOptions().entrySet()) {
                if ("sslContextParameters".equals(e.getKey())) {
                    if (e.getValue() != shared.options.get(e.getKey())) {
                        throw new IllegalArgumentException(
                                "esplink: " + endpoint.getEndpointUri() + " sets other sslContextParameters than the "
                                                           + "gateway already running on " + address);
                    }
                    continue;
                }
                Map<String, Object> one = new LinkedHashMap<>(shared.options);
                one.put(e.getKey(), e.getValue());
                if (!endpoint.serverConfig(one).equals(shared.server.config())) {
                    throw new IllegalArgumentException(
                            "esplink: " + endpoint.getEndpointUri() + " sets " + e.getKey() + "=" + e.getValue()
                                                       + " but the gateway on " + address + " already runs with "
                                                       + shared.server.config()
                                                       + ": every endpoint on one address must agree");
                }
            }
        }
        shared.refs++;
        return shared.server;
    }

    synchronized void release(EspLinkEndpoint endpoint) {
        Shared shared = servers.get(endpoint.address());
        if (shared != null && --shared.refs == 0) {
            servers.remove(endpoint.address());
            shared.server.stop();
        }
    }

    /** The server running on host:port, or null. */
    public synchronized EspLinkServer getServer(String address) {
        Shared s = servers.get(address);
        return s == null ? null : s.server;
    }

    private Map<String, Object> mergeOptions(String address) {
        Map<String, Object> merged = new LinkedHashMap<>();
        Map<String, String> setBy = new HashMap<>();
        for (EspLinkEndpoint ep : endpoints.getOrDefault(address, List.of())) {
            for (Map.Entry<String, Object> e : ep.explicitServerOptions().entrySet()) {
                Object before = merged.putIfAbsent(e.getKey(), e.getValue());
                if (before != null && !Objects.equals(before, e.getValue())) {
                    throw new IllegalArgumentException(
                            "esplink: endpoints on " + address + " disagree on " + e.getKey() + ": " + before + " ("
                                                       + setBy.get(e.getKey()) + ") and " + e.getValue() + " ("
                                                       + ep.getEndpointUri() + ")");
                }
                setBy.putIfAbsent(e.getKey(), ep.getEndpointUri());
            }
        }
        return merged;
    }

    private SslContext sslContext(SSLContextParameters parameters) {
        if (parameters == null) {
            return null;
        }
        try {
            return new JdkSslContext(parameters.createSSLContext(getCamelContext()), false, ClientAuth.NONE);
        } catch (Exception e) {
            throw new IllegalArgumentException("esplink: cannot create the TLS context from sslContextParameters: "
                                               + e.getMessage(), e);
        }
    }

    private void startGroups() {
        if (ioGroup == null) {
            bossGroup = new NioEventLoopGroup(1, new DefaultThreadFactory("esplink-accept", true));
            ioGroup = new NioEventLoopGroup(ioThreads, new DefaultThreadFactory("esplink-io", true));
            deliveryGroup = new DefaultEventExecutorGroup(deliveryThreads,
                    new DefaultThreadFactory("esplink-delivery", true));
        }
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        getCamelContext().getManagementStrategy().addEventNotifier(contextEvents);
    }

    /**
     * Opens the node port of each server only once every route of the context has started, and closes it as soon as
     * the context begins to stop, before its routes do: a node message never meets only some of the consumers of
     * its address (a consumer that acknowledges on receipt, say, without the one that stores it).
     */
    private final class ContextEvents extends SimpleEventNotifierSupport {
        ContextEvents() {
            setIgnoreCamelContextEvents(false);
            setIgnoreExchangeEvents(true);
            setIgnoreRouteEvents(true);
            setIgnoreServiceEvents(true);
            setIgnoreStepEvents(true);
        }

        @Override
        public boolean isEnabled(CamelEvent event) {
            return event instanceof CamelEvent.CamelContextStartedEvent
                   || event instanceof CamelEvent.CamelContextStoppingEvent;
        }

        @Override
        public void notify(CamelEvent event) {
            List<EspLinkServer> all;
            synchronized (EspLinkComponent.this) {
                all = new ArrayList<>();
                servers.values().forEach(sh -> all.add(sh.server));
            }
            for (EspLinkServer server : all) {
                if (event instanceof CamelEvent.CamelContextStartedEvent) {
                    server.accept();
                } else {
                    server.quiesce();
                }
            }
        }
    }

    @Override
    protected synchronized void doStop() throws Exception {
        getCamelContext().getManagementStrategy().removeEventNotifier(contextEvents);
        for (Shared s : servers.values()) {
            s.server.stop();
        }
        servers.clear();
        if (ioGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            deliveryGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            bossGroup = null;
            ioGroup = null;
            deliveryGroup = null;
            LOG.debug("esplink event loops shut down");
        }
        super.doStop();
    }

    public int getIoThreads() {
        return ioThreads;
    }

    public void setIoThreads(int ioThreads) {
        this.ioThreads = ioThreads;
    }

    public int getDeliveryThreads() {
        return deliveryThreads;
    }

    public void setDeliveryThreads(int deliveryThreads) {
        this.deliveryThreads = deliveryThreads;
    }
}
