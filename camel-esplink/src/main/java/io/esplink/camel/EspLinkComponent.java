package io.esplink.camel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import io.esplink.camel.metrics.EspLinkMetrics;
import io.esplink.core.EspLinkServer;
import io.esplink.core.GatewayView;
import io.esplink.core.ServerConfig;
import io.esplink.core.Transports;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.FastThreadLocalThread;
import org.apache.camel.Endpoint;
import org.apache.camel.SSLContextParametersAware;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.HealthCheckComponent;
import org.apache.camel.support.SimpleEventNotifierSupport;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The esplink component: one gateway server per listening address, shared by every endpoint on that address and
 * closed when the last one stops. Its {@link #getConfiguration() configuration} holds the defaults of every endpoint
 * ({@code camel.component.esplink.timeout=5000}). The event loops and the delivery executor are shared by all servers
 * (see the package documentation for which thread runs what).
 * <p>
 * With each server it registers a readiness check ({@link EspLinkServerHealthCheck}) and binds the address's meters
 * ({@link io.esplink.camel.metrics.EspLinkMeterBinder}, where Micrometer and a MeterRegistry are there); with the
 * first, the liveness check of the event loops ({@link EspLinkLivenessHealthCheck}). All go when the server stops.
 */
@Component("esplink")
public class EspLinkComponent extends HealthCheckComponent implements SSLContextParametersAware {

    private static final Logger LOG = LoggerFactory.getLogger(EspLinkComponent.class);
    /** Micrometer is on the class path (an optional dependency): only then is io.esplink.camel.metrics loaded. */
    private static final boolean MICROMETER = loads("io.micrometer.core.instrument.MeterRegistry");

    @Metadata(description = "The defaults of every esplink endpoint of this component: each endpoint starts from a "
                            + "copy and sets its URI's options on it.")
    private EspLinkConfiguration configuration = new EspLinkConfiguration();
    @Metadata(label = "security", defaultValue = "false",
              description = "Use Camel's global SSL context parameters for endpoints that set no sslContextParameters.")
    private boolean useGlobalSslContextParameters;
    @Metadata(label = "advanced", defaultValue = "0",
              description = "Netty I/O threads for node connections (esplink-io); 0 uses Netty's default (twice the "
                            + "cores). Ignored when workerGroup is given.")
    private int ioThreads;
    @Metadata(label = "advanced", defaultValue = "500",
              description = "Microseconds an I/O thread (esplink-io) lets pass, when it finds nothing ready and no "
                            + "task, before it waits for its connections again: what arrives meanwhile (an idle "
                            + "fleet's keepalives) is handled in one wakeup instead of a wakeup each. A thread that "
                            + "finds work goes on at once, so a busy gateway never pauses; a message or task that "
                            + "comes during a pause waits at most this long. 0: no pause (Netty's own strategy). "
                            + "Ignored when workerGroup is given.")
    private long ioCoalesceMicros = 500;
    @Metadata(label = "advanced",
              description = "A Netty event loop group of your own for node connections; not shut down by the "
                            + "component.")
    private EventLoopGroup workerGroup;
    @Metadata(label = "advanced", defaultValue = "true",
              description = "Use Netty's native epoll transport where it loads (Linux x86-64); NIO otherwise.")
    private boolean nativeTransport = true;
    @Metadata(label = "advanced", defaultValue = "16",
              description = "Threads of the delivery executor (esplink-delivery), which runs the routes of node "
                            + "messages and completes producer exchanges. Each node is served by one of them, so its "
                            + "messages stay in order; the I/O threads run no route (unless routeOnEventLoop). "
                            + "Ignored when deliveryExecutor or routeOnEventLoop is given.")
    private int deliveryThreads = 16;
    @Metadata(label = "advanced",
              description = "A delivery executor of your own (a Netty EventExecutorGroup: each node is pinned to one "
                            + "of its executors); not shut down by the component.")
    private EventExecutorGroup deliveryExecutor;
    @Metadata(label = "advanced", defaultValue = "false",
              description = "Run the routes of node messages and complete producer exchanges on the I/O thread of the "
                            + "node's connection (esplink-io) instead of esplink-delivery: no thread hop between a "
                            + "node's line, its route and a reply to it. Only for routes that never block (an echo, a "
                            + "relay to other nodes, a filter, an asynchronous producer, a batching consumer, whose "
                            + "batches run on their own thread): a route that blocks there holds up the keepalives "
                            + "and messages of every node on that thread. Not together with deliveryExecutor.")
    private boolean routeOnEventLoop;
    @Metadata(label = "health", defaultValue = "true",
              description = "A readiness check per listening address (esplink-server-HOST:PORT): UP while its node "
                            + "port is bound and takes connections. false: not registered.")
    private boolean healthCheckServerEnabled = true;
    @Metadata(label = "health", defaultValue = "false",
              description = "The readiness check of each address is also DOWN while a node of its expectedClientIds "
                            + "is not connected (naming the first ones missing).")
    private boolean healthCheckExpectedNodesEnabled;
    @Metadata(label = "health", defaultValue = "true",
              description = "A liveness check, esplink-liveness: DOWN when an esplink event loop is shut down or has "
                            + "not run a task for 10 s (stuck). false: not registered.")
    private boolean healthCheckLivenessEnabled = true;
    @Metadata(label = "advanced", defaultValue = "true",
              description = "Bind the esplink meters (esplink.nodes.connected and the others) of each address to "
                            + "the Camel registry's Micrometer MeterRegistry (the one named metricsRegistry, else the "
                            + "only one), where Micrometer is on the class path.")
    private boolean metricsEnabled = true;

    private final Map<String, List<EspLinkEndpoint>> endpoints = new HashMap<>();
    private final Map<String, Shared> servers = new HashMap<>();
    private final ContextEvents contextEvents = new ContextEvents();
    private volatile EventLoopGroup bossGroup;
    private volatile EventLoopGroup ioGroup;
    private volatile EventExecutorGroup deliveryGroup;
    private EspLinkLivenessHealthCheck liveness;
    private boolean ownIoGroup;
    private boolean ownDeliveryGroup;

    /** A running server and the server options its endpoints set. */
    private static final class Shared {
        final EspLinkServer server;
        final ServerOverlay options;
        int refs;
        /** Its readiness check, if registered, and what removes its meters, if bound. */
        HealthCheck readiness;
        AutoCloseable meters;

        Shared(EspLinkServer server, ServerOverlay options) {
            this.server = server;
            this.options = options;
        }
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        EspLinkConfiguration config = configuration.copy();
        EspLinkEndpoint endpoint = new EspLinkEndpoint(uri, this, config);
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
        Set<String> named = new HashSet<>(parameters.keySet());
        setProperties(endpoint, parameters);
        endpoint.serverOptions(ServerOverlay.of(uri, config, named));
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

    /** The server of the endpoint's address, made if this is its first user (see {@link ContextEvents}). */
    synchronized EspLinkServer acquire(EspLinkEndpoint endpoint) {
        String address = endpoint.address();
        Shared shared = servers.get(address);
        if (shared == null) {
            ServerOverlay merged = ServerOverlay.NONE;
            for (EspLinkEndpoint ep : endpoints.getOrDefault(address, List.of())) {
                merged = merged.merge(ep.serverOptions(), address);
            }
            merged = merged.merge(endpoint.serverOptions(), address);
            ServerConfig config = merged.serverConfig(endpoint.getHost(), endpoint.getPort(), configuration);
            startGroups();
            registerLiveness();
            EspLinkServer server = new EspLinkServer(config, bossGroup, ioGroup, deliveryGroup,
                    sslContext(merged.ssl(defaultSsl())));
            server.bind();
            if (getCamelContext().isStarted()) {
                server.accept();
            } // else once every route of the context has started (see ContextEvents)
            shared = new Shared(server, merged);
            servers.put(address, shared);
            shared.readiness = registerReadiness(address, server);
            shared.meters = bindMeters(address, server);
        } else {
            ServerOverlay merged = shared.options.merge(endpoint.serverOptions(), address);
            ServerConfig wanted = merged.serverConfig(endpoint.getHost(), endpoint.getPort(), configuration);
            boolean sameTls = merged.ssl(defaultSsl()) == shared.options.ssl(defaultSsl());
            if (!wanted.equals(shared.server.config()) || !sameTls) {
                throw new IllegalArgumentException(
                        "esplink: " + endpoint.getEndpointUri() + " asks for " + wanted + (sameTls ? "" : " with other "
                                                                                                        + "sslContextParameters")
                                                   + " but the gateway on " + address + " already runs with "
                                                   + shared.server.config()
                                                   + ": every endpoint on one address must agree");
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
            forgetMonitoring(shared);
        }
    }

    // ---- health and meters ----

    /**
     * The readiness check of the gateway on {@code address}, registered with Camel's health check registry. A check
     * turned off is not registered at all (a registered but disabled check answers UNKNOWN, which Camel's
     * {@code HealthCheckHelper.isResultsUp} counts as not ready).
     */
    private HealthCheck registerReadiness(String address, EspLinkServer server) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(getCamelContext());
        if (registry == null || !healthCheckServerEnabled) {
            return null;
        }
        EspLinkServerHealthCheck check = new EspLinkServerHealthCheck(address, server,
                healthCheckExpectedNodesEnabled);
        check.setCamelContext(getCamelContext());
        registry.register(check);
        return check;
    }

    /** The liveness check of the event loops, registered once they exist. */
    private void registerLiveness() {
        HealthCheckRegistry registry = HealthCheckRegistry.get(getCamelContext());
        if (registry == null || liveness != null || !healthCheckLivenessEnabled) {
            return;
        }
        liveness = new EspLinkLivenessHealthCheck(this::eventLoops, () -> deliveryGroup);
        liveness.setCamelContext(getCamelContext());
        registry.register(liveness);
    }

    /** The event loop groups the component uses now, by the names of their threads. */
    private Map<String, EventExecutorGroup> eventLoops() {
        Map<String, EventExecutorGroup> out = new LinkedHashMap<>();
        EventLoopGroup accept = bossGroup;
        EventLoopGroup io = ioGroup;
        if (accept != null) {
            out.put("esplink-accept", accept);
        }
        if (io != null) {
            out.put("esplink-io", io);
        }
        return out;
    }

    /** The esplink.* meters of the gateway on {@code address}, if Micrometer and a meter registry are there. */
    private AutoCloseable bindMeters(String address, EspLinkServer server) {
        if (!metricsEnabled || !MICROMETER) {
            return null;
        }
        try {
            AutoCloseable meters = EspLinkMetrics.bind(getCamelContext(), server, address);
            LOG.debug("esplink meters of {}: {}", address, meters != null ? "bound" : "no MeterRegistry in the "
                                                                                       + "registry");
            return meters;
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("esplink: cannot bind the meters of {}: {}", address, e.toString());
            return null;
        }
    }

    private static boolean loads(String className) {
        try {
            Class.forName(className, false, EspLinkComponent.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private void forgetMonitoring(Shared shared) {
        if (shared.readiness != null) {
            HealthCheckRegistry registry = HealthCheckRegistry.get(getCamelContext());
            if (registry != null) {
                registry.unregister(shared.readiness);
            }
            shared.readiness = null;
        }
        if (shared.meters != null) {
            try {
                shared.meters.close();
            } catch (Exception e) {
                LOG.debug("esplink: removing meters failed", e);
            }
            shared.meters = null;
        }
    }

    /** The server running on host:port, or null. */
    synchronized EspLinkServer getServer(String address) {
        Shared s = servers.get(address);
        return s == null ? null : s.server;
    }

    /** What the gateway on {@code host:port} knows of its nodes, read-only; null while none runs there. */
    public GatewayView getGateway(String address) {
        return getServer(address);
    }

    /** Every gateway this component runs, by address. */
    public synchronized Map<String, GatewayView> getGateways() {
        Map<String, GatewayView> out = new HashMap<>();
        servers.forEach((address, shared) -> out.put(address, shared.server));
        return out;
    }

    /** The TLS parameters of a server whose endpoints set none: the component's, else Camel's global ones if asked. */
    private SSLContextParameters defaultSsl() {
        SSLContextParameters own = configuration.getSslContextParameters();
        return own != null || !useGlobalSslContextParameters ? own : retrieveGlobalSslContextParameters();
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
        if (bossGroup != null) {
            return;
        }
        ownIoGroup = workerGroup == null;
        if (ownIoGroup && nativeTransport && !Transports.epollAvailable()) {
            LOG.info("esplink: NIO instead of Netty's epoll transport ({})", Transports.epollUnavailableReason());
        }
        ioGroup = ownIoGroup
                ? Transports.eventLoopGroup(ioThreads, threads("esplink-io"), nativeTransport, ioCoalesceMicros)
                : workerGroup;
        // the listening socket on a group of the same transport as its connections
        bossGroup = Transports.eventLoopGroup(1, threads("esplink-accept"),
                "epoll".equals(Transports.name(ioGroup)));
        if (routeOnEventLoop) {
            if (deliveryExecutor != null) {
                throw new IllegalArgumentException("esplink: routeOnEventLoop=true runs the routes on the I/O threads; "
                                                   + "it cannot be combined with a deliveryExecutor of your own");
            }
            ownDeliveryGroup = false; // the I/O group, shut down as such
            deliveryGroup = ioGroup;
            return;
        }
        ownDeliveryGroup = deliveryExecutor == null;
        deliveryGroup = ownDeliveryGroup
                ? new DefaultEventExecutorGroup(deliveryThreads, threads("esplink-delivery")) : deliveryExecutor;
    }

    /** Daemon threads named in Camel's pattern ("Camel (context) thread #7 - esplink-io"), fit for Netty. */
    private ThreadFactory threads(String name) {
        return r -> {
            Thread t = new FastThreadLocalThread(r,
                    getCamelContext().getExecutorServiceManager().resolveThreadName(name));
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        getCamelContext().getManagementStrategy().addEventNotifier(contextEvents);
    }

    /**
     * Opens the node port of each server only once every route of the context has started, and closes its node
     * connections as soon as the context begins to stop, before its routes do: a node message never meets only some
     * of the consumers of its address (a consumer that acknowledges on receipt, say, without the one that stores it).
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
            List<EspLinkServer> all = new ArrayList<>();
            synchronized (EspLinkComponent.this) {
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
            forgetMonitoring(s);
        }
        servers.clear();
        if (liveness != null) {
            HealthCheckRegistry registry = HealthCheckRegistry.get(getCamelContext());
            if (registry != null) {
                registry.unregister(liveness);
            }
            liveness = null;
        }
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            if (ownIoGroup) {
                ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            }
            if (ownDeliveryGroup) {
                deliveryGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            }
            bossGroup = null;
            ioGroup = null;
            deliveryGroup = null;
            LOG.debug("esplink event loops shut down");
        }
        super.doStop();
    }

    public EspLinkConfiguration getConfiguration() {
        return configuration;
    }

    public void setConfiguration(EspLinkConfiguration configuration) {
        this.configuration = configuration;
    }

    @Override
    public boolean isUseGlobalSslContextParameters() {
        return useGlobalSslContextParameters;
    }

    @Override
    public void setUseGlobalSslContextParameters(boolean useGlobalSslContextParameters) {
        this.useGlobalSslContextParameters = useGlobalSslContextParameters;
    }

    public int getIoThreads() {
        return ioThreads;
    }

    public void setIoThreads(int ioThreads) {
        this.ioThreads = ioThreads;
    }

    public long getIoCoalesceMicros() {
        return ioCoalesceMicros;
    }

    public void setIoCoalesceMicros(long ioCoalesceMicros) {
        this.ioCoalesceMicros = ioCoalesceMicros;
    }

    public boolean isNativeTransport() {
        return nativeTransport;
    }

    public void setNativeTransport(boolean nativeTransport) {
        this.nativeTransport = nativeTransport;
    }

    public EventLoopGroup getWorkerGroup() {
        return workerGroup;
    }

    public void setWorkerGroup(EventLoopGroup workerGroup) {
        this.workerGroup = workerGroup;
    }

    public int getDeliveryThreads() {
        return deliveryThreads;
    }

    public void setDeliveryThreads(int deliveryThreads) {
        this.deliveryThreads = deliveryThreads;
    }

    public EventExecutorGroup getDeliveryExecutor() {
        return deliveryExecutor;
    }

    public void setDeliveryExecutor(EventExecutorGroup deliveryExecutor) {
        this.deliveryExecutor = deliveryExecutor;
    }

    public boolean isRouteOnEventLoop() {
        return routeOnEventLoop;
    }

    public void setRouteOnEventLoop(boolean routeOnEventLoop) {
        this.routeOnEventLoop = routeOnEventLoop;
    }

    public boolean isHealthCheckServerEnabled() {
        return healthCheckServerEnabled;
    }

    public void setHealthCheckServerEnabled(boolean healthCheckServerEnabled) {
        this.healthCheckServerEnabled = healthCheckServerEnabled;
    }

    public boolean isHealthCheckExpectedNodesEnabled() {
        return healthCheckExpectedNodesEnabled;
    }

    public void setHealthCheckExpectedNodesEnabled(boolean healthCheckExpectedNodesEnabled) {
        this.healthCheckExpectedNodesEnabled = healthCheckExpectedNodesEnabled;
    }

    public boolean isHealthCheckLivenessEnabled() {
        return healthCheckLivenessEnabled;
    }

    public void setHealthCheckLivenessEnabled(boolean healthCheckLivenessEnabled) {
        this.healthCheckLivenessEnabled = healthCheckLivenessEnabled;
    }

    public boolean isMetricsEnabled() {
        return metricsEnabled;
    }

    public void setMetricsEnabled(boolean metricsEnabled) {
        this.metricsEnabled = metricsEnabled;
    }
}
