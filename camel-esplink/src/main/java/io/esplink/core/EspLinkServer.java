package io.esplink.core;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

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
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listening gateway on one address: accepts node connections, keeps a {@link Session} per client ID, delivers
 * messages to listeners and sends messages to nodes. Knows nothing of Camel.
 * <p>
 * The event loop groups and the notifier group are given by the owner (shared by every server of a component) and
 * are not shut down by {@link #stop()}.
 */
public final class EspLinkServer {

    private static final Logger LOG = LoggerFactory.getLogger(EspLinkServer.class);
    /** The client ID that addresses every connected node. */
    public static final String BROADCAST = "*";

    private final ServerConfig config;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup ioGroup;
    private final EventExecutorGroup notifierGroup;
    private final SslContext sslContext;

    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    /** Replaced as a whole on every change (never modified), so that sessions can tell a change by identity. */
    private volatile List<Registration> registrations = List.of();
    private final AtomicInteger connections = new AtomicInteger();
    private final LongAdder refusedConnections = new LongAdder();
    private final ChannelGroup channels = new DefaultChannelGroup("esplink", GlobalEventExecutor.INSTANCE);
    private final ConnectionGuard guard = new ConnectionGuard();
    private volatile Channel serverChannel;

    public EspLinkServer(ServerConfig config, EventLoopGroup bossGroup, EventLoopGroup ioGroup,
                         EventExecutorGroup notifierGroup, SslContext sslContext) {
        this.config = config.validate();
        this.bossGroup = bossGroup;
        this.ioGroup = ioGroup;
        this.notifierGroup = notifierGroup;
        this.sslContext = sslContext;
    }

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
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 128)
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
                        ch.pipeline().addLast("flush", new FlushConsolidationHandler(256, true));
                        ch.pipeline().addLast("liveness",
                                new LivenessHandler(config.timeoutMs(), config.timeoutMs(), true));
                        ch.pipeline().addLast("frames", new FrameDecoder(config.maxLineLength(), true));
                        ch.pipeline().addLast("session", new GatewayHandler(EspLinkServer.this));
                    }
                });
        ChannelFuture f = b.bind(config.host(), config.port()).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new EspLinkException("Cannot listen on " + config.host() + ":" + config.port() + ": "
                                       + f.cause().getMessage(),
                    f.cause());
        }
        serverChannel = f.channel();
        LOG.info("esplink gateway listening on {}:{} (timeout {} ms{})", config.host(), localPort(),
                config.timeoutMs(), sslContext != null ? ", TLS" : "");
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
        sc.close().awaitUninterruptibly();
        for (Session s : sessions.values()) {
            s.close("gateway stopping");
        }
        for (Channel ch : channels) {
            Links.close(ch, "gateway stopping");
        }
        channels.close().awaitUninterruptibly();
        LOG.info("esplink gateway on {}:{} stopped", config.host(), config.port());
    }

    public boolean isRunning() {
        return serverChannel != null;
    }

    /** The port actually bound (useful with port 0), or -1 when not running. */
    public int localPort() {
        Channel sc = serverChannel;
        return sc == null ? -1 : ((InetSocketAddress) sc.localAddress()).getPort();
    }

    // ---- listeners ----

    /**
     * Registers a listener for the node {@code clientId}, or for every node ({@code clientId} null). Every
     * listener whose node matches receives each message and event; a listener registered twice counts once.
     */
    public synchronized void addListener(String clientId, EspLinkListener listener) {
        Registration r = new Registration(clientId, Objects.requireNonNull(listener, "listener"));
        if (!registrations.contains(r)) {
            List<Registration> next = new ArrayList<>(registrations);
            next.add(r);
            registrations = List.copyOf(next);
        }
    }

    public synchronized void removeListener(String clientId, EspLinkListener listener) {
        List<Registration> next = new ArrayList<>(registrations);
        if (next.remove(new Registration(clientId, listener))) {
            registrations = List.copyOf(next);
        }
    }

    /**
     * The listeners that receive the messages of node {@code clientId}, in registration order. Sessions keep the
     * answer until the registrations change, so the per-message path neither searches nor allocates.
     */
    Listeners messageListeners(String clientId, Listeners cached) {
        List<Registration> current = registrations;
        if (cached != null && cached.of == current) {
            return cached;
        }
        List<EspLinkListener> out = new ArrayList<>(2);
        boolean anyProcessed = false;
        for (Registration r : current) {
            if (r.matches(clientId) && r.listener().wantsMessages()) {
                out.add(r.listener());
                anyProcessed |= r.listener().ackMode() == AckMode.PROCESSED;
            }
        }
        return new Listeners(current, List.copyOf(out), anyProcessed);
    }

    /** The message listeners of one node as of one version of the registrations. */
    record Listeners(List<Registration> of, List<EspLinkListener> list, boolean anyProcessed) {
    }

    private List<EspLinkListener> eventListeners(String clientId) {
        List<EspLinkListener> out = new ArrayList<>(2);
        for (Registration r : registrations) {
            if (r.matches(clientId) && r.listener().wantsEvents()) {
                out.add(r.listener());
            }
        }
        return out;
    }

    record Registration(String clientId, EspLinkListener listener) {
        boolean matches(String id) {
            return clientId == null || clientId.equals(id);
        }
    }

    // ---- sessions ----

    public Session session(String clientId) {
        return sessions.get(clientId);
    }

    public Collection<Session> sessions() {
        return Collections.unmodifiableCollection(sessions.values());
    }

    /** The client IDs of the sessions that are up. */
    public List<String> connectedClientIds() {
        List<String> ids = new ArrayList<>();
        for (Session s : sessions.values()) {
            if (s.isConnected()) {
                ids.add(s.id());
            }
        }
        Collections.sort(ids);
        return ids;
    }

    public int connectionCount() {
        return connections.get();
    }

    /** Connections closed before attaching: over the limit, unknown, duplicate, no ID in time. */
    public long refusedConnections() {
        return refusedConnections.sum();
    }

    private Session sessionFor(String clientId) {
        return sessions.computeIfAbsent(clientId, id -> new Session(this, id, notifierGroup.next()));
    }

    /** The ID line arrived on {@code ch}: apply L16-L18 and attach, or close. Runs on the event loop. */
    Session attach(Channel ch, String clientId) {
        String remote = Links.format(ch.remoteAddress());
        if (clientId.isEmpty()) {
            return refuse(ch, "empty client ID", "Refused a connection from {}: its ID line is empty", remote);
        }
        if (!config.expectedClientIds().isEmpty() && !config.expectedClientIds().contains(clientId)) {
            if (config.rejectUnknownClients()) {
                return refuse(ch, "unknown client",
                        "Refused unknown client '{}' from {}: not in expectedClientIds", clientId, remote);
            }
            LOG.warn("Unknown client '{}' connected from {}; expected {}", clientId, remote,
                    config.expectedClientIds());
        }
        Session s = sessionFor(clientId);
        Channel replaced = null;
        int count;
        synchronized (s) {
            Channel old = s.channel();
            if (old != null) {
                if (config.duplicateClientPolicy() == DuplicateClientPolicy.REJECT_NEW) {
                    return refuse(ch, "duplicate client",
                            "Duplicate client '{}' from {} ignored: a connection with that ID is up (from {})",
                            clientId, remote, s.remoteAddress());
                }
                s.detach(old, "replaced by a new connection from " + remote);
                replaced = old;
            }
            count = s.attach(ch, remote);
        }
        if (replaced != null) {
            LOG.warn("Client '{}' reconnected from {} while up: the old connection is closed", clientId, remote);
            Links.close(replaced, "replaced by a new connection");
            fire(s, SessionEvent.Type.DISCONNECTED, "replaced by a new connection", s.remoteAddress(), count - 1);
        }
        LOG.info("Node '{}' connected from {} (connection {})", clientId, remote, count);
        fire(s, SessionEvent.Type.CONNECTED, "connected", remote, count);
        return s;
    }

    Session refuse(Channel ch, String reason, String format, Object... args) {
        refusedConnections.increment();
        LOG.warn(format, args);
        Links.close(ch, reason);
        return null;
    }

    void detach(Session s, Channel ch, String reason) {
        if (s.detach(ch, reason)) {
            LOG.info("Node '{}' disconnected: {}", s.id(), reason);
            fire(s, SessionEvent.Type.DISCONNECTED, reason, s.remoteAddress(), s.connectCount());
        }
    }

    private void fire(Session s, SessionEvent.Type type, String reason, String remote, int count) {
        List<EspLinkListener> targets = eventListeners(s.id());
        if (targets.isEmpty()) {
            return;
        }
        SessionEvent ev = new SessionEvent(type, s.id(), reason, remote, count);
        s.notifier().execute(() -> {
            for (EspLinkListener l : targets) {
                try {
                    l.onEvent(ev);
                } catch (RuntimeException e) {
                    LOG.warn("Listener failed on event {}", ev, e);
                }
            }
        });
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
        if (!config.admits(clientId)) {
            throw new EspLinkException("Node '" + clientId + "' is not in expectedClientIds and rejectUnknownClients "
                                       + "is set: it can never connect");
        }
        sessionFor(clientId).send(payload, qos, wait, sendTimeoutMs, listener);
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

    /** Counts connections and refuses those over {@code maxConnections}. */
    @ChannelHandler.Sharable
    private final class ConnectionGuard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (connections.incrementAndGet() > config.maxConnections()) {
                refuse(ctx.channel(), "too many connections",
                        "Refused a connection from {}: maxConnections ({}) reached",
                        Links.format(ctx.channel().remoteAddress()), config.maxConnections());
                return;
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connections.decrementAndGet();
            ctx.fireChannelInactive();
        }
    }
}
