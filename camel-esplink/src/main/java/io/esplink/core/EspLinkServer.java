package io.esplink.core;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listening gateway on one address: accepts node connections, keeps a session per client ID, delivers the
 * nodes' messages to listeners and sends messages to nodes. Knows nothing of Camel.
 * <p>
 * It is made of parts that know nothing of it: a {@link ListenerTable} (who listens to which node), a
 * {@link SessionRegistry} (the sessions and who may attach to them), and per connection a pipeline of handlers
 * (connection guard, TLS, flush consolidation, {@link LivenessHandler}, {@link FrameDecoder}, then
 * {@link IdLineHandler}, which gives way to a {@link SessionHandler} once the node's ID is accepted). Outside the
 * core the nodes are seen only as {@link NodeView} snapshots.
 * <p>
 * The event loop groups and the notifier group are given by the owner (shared by every server of a component) and
 * are not shut down by {@link #stop()}.
 */
public final class EspLinkServer implements GatewayView {

    private static final Logger LOG = LoggerFactory.getLogger(EspLinkServer.class);
    /** The client ID that addresses every connected node. */
    public static final String BROADCAST = "*";

    private final ServerConfig config;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup ioGroup;
    private final SslContext sslContext;
    private final ListenerTable listeners = new ListenerTable();
    private final Backpressure backpressure;
    private final SessionRegistry registry;
    private final ConnectionGuard guard;
    private final ChannelGroup channels = new DefaultChannelGroup("esplink", GlobalEventExecutor.INSTANCE);
    private volatile Channel serverChannel;
    private ScheduledFuture<?> housekeeping;
    private final MemoryPressure.Listener onMemory = (on, why) -> backpressure().memoryShort(on, channels);

    public EspLinkServer(ServerConfig config, EventLoopGroup bossGroup, EventLoopGroup ioGroup,
                         EventExecutorGroup notifierGroup, SslContext sslContext) {
        this.config = config.validate();
        this.bossGroup = bossGroup;
        this.ioGroup = ioGroup;
        this.sslContext = sslContext;
        this.backpressure = new Backpressure(this.config.maxInflightMessages(), this.config.maxInflightBytes());
        this.registry = new SessionRegistry(this.config, notifierGroup, listeners, backpressure);
        this.guard = new ConnectionGuard(this.config, registry, MemoryPressure.jvm());
        registry.guard(guard);
    }

    @Override
    public ServerConfig config() {
        return config;
    }

    /** Binds the listening socket and accepts connections; fails with a clear message when the address cannot be used. */
    public synchronized void start() {
        bind();
        accept();
    }

    /**
     * Binds the listening socket without accepting connections yet (the operating system queues them meanwhile), so
     * that a busy address fails at once while the owner finishes setting up its listeners; see {@link #accept()}.
     */
    public synchronized void bind() {
        if (serverChannel != null) {
            return;
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(bossGroup, ioGroup)
                .channel(Transports.serverChannel(ioGroup))
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, config.backlog())
                .childOption(ChannelOption.ALLOCATOR, MemoryBudget.allocator())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        ch.pipeline().addLast("guard", guard);
                        if (sslContext != null) {
                            ch.pipeline().addLast("ssl", sslContext.newHandler(ch.alloc()));
                        }
                        // liveness below the flush consolidation: a sweep's keepalives go out with a flush each,
                        // not with a task each on the event loop (15,000 links, 15,000 tasks a period); it still
                        // sees every line written above it
                        ch.pipeline().addLast("liveness",
                                new LivenessHandler(config.timeoutMs(), config.timeoutMs(), true));
                        ch.pipeline().addLast("flush", new FlushConsolidationHandler(256, true));
                        ch.pipeline().addLast("frames", new FrameDecoder(config.maxLineLength(), true,
                                config.maxIdLineLength()));
                        ch.pipeline().addLast(Links.ID_HANDLER, new IdLineHandler(registry,
                                config.handshakeTimeoutMs()));
                    }
                });
        ChannelFuture f = b.bind(config.host(), config.port()).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new EspLinkException("Cannot listen on " + config.host() + ":" + config.port() + ": "
                                       + f.cause().getMessage(),
                    f.cause());
        }
        serverChannel = f.channel();
        MemoryPressure.jvm().addListener(onMemory);
        if (MemoryPressure.jvm().isOn()) {
            backpressure.memoryShort(true, channels);
        }
        long[] ticks = { 0 };
        housekeeping = serverChannel.eventLoop().scheduleAtFixedRate(() -> {
            guard.sweep();
            registry.housekeeping(++ticks[0] % 12 == 0);
        }, 5, 5, TimeUnit.SECONDS);
        LOG.info("esplink gateway listening on {}:{} (timeout {} ms, {}, backlog {}{}{})", config.host(), localPort(),
                config.timeoutMs(), Transports.name(ioGroup), config.backlog(), sslContext != null ? ", TLS" : "",
                config.credentials() != null ? ", node credentials " + config.credentials()
                        + (config.anonymousClients() ? " (nodes without credentials admitted)" : "")
                        : "");
        MemoryBudget budget = config.budget();
        LOG.info("esplink gateway on {}:{}: up to {} node connections ({}), {} nodes remembered ({}), {} KiB of node "
                 + "messages held at most ({}); {}", config.host(), localPort(), config.maxConnections(),
                config.limitSet("maxConnections") ? "set" : budget.maxConnectionsReason(), config.maxSessions(),
                config.limitSet("maxSessions") ? "set" : "from the heap", config.maxInflightBytes() >> 10,
                config.limitSet("maxInflightBytes") ? "set" : "from the heap", budget.describe());
        if (config.credentials() == null && !isLoopback(config.host())) {
            LOG.warn("esplink gateway on {}:{}: nodes are not authenticated, so any device that reaches this port "
                     + "can connect as any node; give nodes credentials (see the README's Security section)",
                    config.host(), localPort());
        }
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    /** Starts accepting node connections (after {@link #bind()}); does nothing when already accepting. */
    public synchronized void accept() {
        Channel sc = serverChannel;
        if (sc != null && !sc.config().isAutoRead()) {
            sc.config().setAutoRead(true);
            LOG.debug("esplink gateway on {}:{} accepts node connections", config.host(), localPort());
        }
    }

    /**
     * Stops taking anything from nodes, for an orderly shutdown of the owner: no new connections are accepted and
     * every connection is closed, so that no node message arrives while the owner's listeners go away one by one (a
     * message still unacknowledged is resent by its node to the next gateway). Messages queued for nodes stay queued.
     */
    public synchronized void quiesce() {
        Channel sc = serverChannel;
        if (sc == null) {
            return;
        }
        sc.config().setAutoRead(false);
        for (Channel ch : channels) {
            Links.close(ch, "gateway stopping");
        }
        LOG.debug("esplink gateway on {}:{} closed its node connections", config.host(), localPort());
    }

    /** Closes the listening socket and every connection, and fails every message still waiting to be sent. */
    public synchronized void stop() {
        Channel sc = serverChannel;
        if (sc == null) {
            return;
        }
        serverChannel = null;
        MemoryPressure.jvm().removeListener(onMemory);
        if (housekeeping != null) {
            housekeeping.cancel(false);
        }
        sc.close().awaitUninterruptibly();
        registry.closeAll("gateway stopping");
        for (Channel ch : channels) {
            Links.close(ch, "gateway stopping");
        }
        channels.close().awaitUninterruptibly();
        LOG.info("esplink gateway on {}:{} stopped", config.host(), config.port());
    }

    private Backpressure backpressure() {
        return backpressure;
    }

    @Override
    public boolean isRunning() {
        return serverChannel != null;
    }

    /**
     * True while the listening socket is bound and takes connections: after {@link #accept()}, before
     * {@link #quiesce()}.
     */
    @Override
    public boolean isAccepting() {
        Channel sc = serverChannel;
        return sc != null && sc.isActive() && sc.config().isAutoRead();
    }

    /** The port actually bound (useful with port 0), or -1 when not running. */
    @Override
    public int localPort() {
        Channel sc = serverChannel;
        return sc == null ? -1 : ((InetSocketAddress) sc.localAddress()).getPort();
    }

    // ---- listeners ----

    /**
     * Registers a listener for the node {@code clientId}, or for every node ({@code clientId} null). Every
     * listener whose node matches receives each message and event; a listener registered twice counts once.
     */
    public void addListener(String clientId, EspLinkListener listener) {
        listeners.add(clientId, listener);
    }

    public void removeListener(String clientId, EspLinkListener listener) {
        listeners.remove(clientId, listener);
    }

    // ---- what it knows of the nodes ----

    /** A snapshot of node {@code clientId}, or null if the gateway has never seen it. */
    @Override
    public NodeView node(String clientId) {
        Session s = registry.get(clientId);
        return s == null ? null : s.view();
    }

    /**
     * A page of the nodes the gateway knows, sorted by client ID: at most {@code limit} whose ID comes after
     * {@code after} (null: from the first). Only the page is made into snapshots, so it stays cheap with many nodes.
     */
    @Override
    public List<NodeView> nodes(String after, int limit) {
        List<String> ids = new ArrayList<>();
        for (Session s : registry.all()) {
            if (after == null || s.id().compareTo(after) > 0) {
                ids.add(s.id());
            }
        }
        ids.sort(null);
        List<NodeView> out = new ArrayList<>(Math.min(ids.size(), Math.max(limit, 0)));
        for (String id : ids) {
            if (out.size() >= limit) {
                break;
            }
            NodeView v = node(id);
            if (v != null) {
                out.add(v);
            }
        }
        return out;
    }

    /** Snapshots of every node the gateway knows, sorted by client ID. */
    @Override
    public List<NodeView> nodes() {
        List<NodeView> out = new ArrayList<>();
        for (Session s : registry.all()) {
            out.add(s.view());
        }
        out.sort(Comparator.comparing(NodeView::clientId));
        return out;
    }

    /** The client IDs of the nodes that are connected, sorted. */
    @Override
    public List<String> connectedClientIds() {
        return registry.connectedClientIds();
    }

    @Override
    public int connectionCount() {
        return guard.open();
    }

    @Override
    public int sessionCount() {
        return registry.all().size();
    }

    @Override
    public int connectedCount() {
        return registry.connectedCount();
    }

    @Override
    public int pendingToNodes() {
        return registry.pendingToNodes();
    }

    @Override
    public GatewayStats stats() {
        return registry.stats();
    }

    /**
     * Closes the connection of node {@code clientId}, if it has one, with {@code reason} (null: "disconnected by
     * operator"). Its session stays: messages queued for it wait, and the node, which reconnects by itself after an
     * outage (L13), finds them when it is back.
     *
     * @return true if a connection was closed
     */
    public boolean disconnect(String clientId, String reason) {
        Session s = registry.get(clientId);
        Channel ch = s == null ? null : s.channel();
        if (ch == null) {
            return false;
        }
        Links.close(ch, reason == null ? GatewayStats.DISCONNECTED_BY_OPERATOR : reason);
        return true;
    }

    @Override
    public Map<String, Long> refusedConnectionsByReason() {
        return registry.refusedByReason();
    }

    @Override
    public int heldMessages() {
        return backpressure.messages();
    }

    @Override
    public boolean readingPaused() {
        return backpressure.isPaused();
    }

    /** Connections closed before attaching: over the limit, unknown, duplicate, no ID in time. */
    @Override
    public long refusedConnections() {
        return registry.refusedCount();
    }

    // ---- sending ----

    /**
     * Sends {@code payload} to node {@code clientId} (L19-L21). The node need not be connected: the message waits
     * in its session until it is, or until {@code sendTimeoutMs} (0: no limit) runs out.
     *
     * @throws IllegalArgumentException for a payload that cannot be sent (L2, L5)
     * @throws EspLinkException         if the node is refused by configuration (L18) or the server is stopped
     */
    public void send(String clientId, String payload, boolean qos, boolean wait, long sendTimeoutMs,
                     SendListener listener) {
        Protocol.checkPayload(payload);
        Protocol.checkClientId(clientId);
        if (!isRunning()) {
            throw new EspLinkException("The esplink gateway on " + config.host() + ":" + config.port() + " is not running");
        }
        // a node with a session: its ID's form was checked when the session was made (at every message of an echo
        // route, that check was 3% of the I/O thread's time)
        Session session = registry.get(clientId);
        String never = session != null ? config.whyValidIdNotAdmitted(clientId) : config.whyNotAdmitted(clientId);
        if (never != null) {
            throw new EspLinkException("Cannot send to " + never + ": it can never connect");
        }
        (session != null ? session : registry.getOrCreate(clientId)).send(payload, qos, wait, sendTimeoutMs, listener);
    }

    /**
     * Sends {@code payload} to every node connected now.
     *
     * @return the client IDs sent to
     * @see #sendToAll
     */
    public List<String> broadcast(String payload, boolean qos, boolean wait, long sendTimeoutMs,
                                  SendListener listener) {
        List<String> targets = connectedClientIds();
        sendToAll(targets, payload, qos, wait, sendTimeoutMs, listener);
        return targets;
    }

    /**
     * Sends {@code payload} to each of {@code clientIds}. The listener is told once all are done: null if every one
     * succeeded, otherwise the first failure with the others suppressed; at once when the list is empty.
     */
    public void sendToAll(Collection<String> clientIds, String payload, boolean qos, boolean wait,
                          long sendTimeoutMs, SendListener listener) {
        Protocol.checkPayload(payload);
        if (clientIds.isEmpty()) {
            if (listener != null) {
                listener.done(null);
            }
            return;
        }
        AtomicInteger left = new AtomicInteger(clientIds.size());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        SendListener each = f -> {
            if (f != null && !failure.compareAndSet(null, f)) {
                failure.get().addSuppressed(f);
            }
            if (left.decrementAndGet() == 0 && listener != null) {
                listener.done(failure.get());
            }
        };
        for (String id : clientIds) {
            send(id, payload, qos, wait, sendTimeoutMs, each);
        }
    }
}
