package io.esplink.core;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketChannelConfig;

/**
 * A running {@link EspLinkServer}'s own per-connection pipeline on Netty {@link EmbeddedChannel}s: the very
 * {@code ChannelInitializer} the server gives every accepted socket (guard, flush consolidation, liveness, frame
 * decoder, ID line handler, attached to the server's real session registry), run on a channel that the test drives
 * byte by byte and tick by tick, with no socket and no thread. What such a channel's "node" writes is decoded exactly
 * as a socket's would be, and what the gateway writes back is in {@link EmbeddedChannel#outboundMessages()}.
 * <p>
 * The server does not expose its initializer, so it is read by reflection from the server's listening channel
 * (Netty's {@code ServerBootstrapAcceptor} holds it). If that ever changes, {@link #of} fails saying so; an accessor
 * on the server would then replace the reflection.
 */
final class EmbeddedGateway {

    private final EspLinkServer server;
    private final ChannelHandler initializer;

    private EmbeddedGateway(EspLinkServer server, ChannelHandler initializer) {
        this.server = server;
        this.initializer = initializer;
    }

    /** The pipeline of {@code server}, which must be started (bound). */
    static EmbeddedGateway of(EspLinkServer server) {
        Channel listening = (Channel) read(server, EspLinkServer.class, "serverChannel");
        if (listening == null) {
            throw new IllegalStateException("the server is not bound");
        }
        for (Map.Entry<String, ChannelHandler> e : listening.pipeline()) {
            if (e.getValue().getClass().getName().endsWith("ServerBootstrapAcceptor")) {
                return new EmbeddedGateway(server,
                        (ChannelHandler) read(e.getValue(), e.getValue().getClass(), "childHandler"));
            }
        }
        throw new IllegalStateException("no ServerBootstrapAcceptor in the listening pipeline " + listening.pipeline());
    }

    /**
     * A new node connection from 127.0.0.1:{@code remotePort}, accepted and active, on a frozen clock (advance it with
     * {@link EmbeddedChannel#advanceTimeBy}).
     */
    NodeChannel connect(int remotePort) {
        NodeChannel ch = new NodeChannel(remotePort);
        ch.freezeTime();
        ch.pipeline().addLast(initializer);
        try {
            ch.register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return ch;
    }

    /**
     * Forgets the sessions of the nodes that are not connected, except {@code keep}: a long fuzz run makes a session
     * for each new client ID, and the gateway keeps every session for ever (by design, L16), so without this the run
     * would end in an OutOfMemoryError. Test code only.
     */
    @SuppressWarnings("unchecked")
    int forgetDisconnectedSessions(String keep) {
        Object registry = read(server, EspLinkServer.class, "registry");
        ConcurrentHashMap<String, Session> sessions = (ConcurrentHashMap<String, Session>) read(registry,
                SessionRegistry.class, "sessions");
        int before = sessions.size();
        sessions.values().removeIf(s -> !s.isConnected() && !s.id().equals(keep));
        return before - sessions.size();
    }

    private static Object read(Object target, Class<?> type, String field) {
        try {
            Field f = type.getDeclaredField(field);
            f.setAccessible(true);
            return f.get(target);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + type.getName() + "." + field + " (the embedded gateway "
                                            + "pipeline needs it; did the class change?)",
                    e);
        }
    }

    /**
     * An {@link EmbeddedChannel} that passes for an accepted TCP socket (the server's initializer takes a
     * {@link SocketChannel}). Socket options read as their defaults and cannot be set.
     */
    static final class NodeChannel extends EmbeddedChannel implements SocketChannel {

        private final InetSocketAddress remote;
        private final InetSocketAddress local;
        /** Made on first use: {@link #config()} is called from the super constructor, before field initialisers. */
        private SocketChannelConfig socketConfig;

        NodeChannel(int remotePort) {
            super(null, DefaultChannelId.newInstance(), false, false);
            this.remote = new InetSocketAddress(InetAddress.getLoopbackAddress(), remotePort);
            this.local = new InetSocketAddress(InetAddress.getLoopbackAddress(), Protocol.DEFAULT_PORT);
        }

        @Override
        public ServerSocketChannel parent() {
            return null;
        }

        /**
         * What the gateway flushes leaves as bytes, as on a socket: a copy is kept and the buffer released at once
         * (a buffer kept by reference, such as a connection's one keepalive buffer, is freed when its handler goes,
         * while a socket would have sent its bytes long before).
         */
        @Override
        protected void handleOutboundMessage(Object msg) {
            if (msg instanceof ByteBuf b) {
                outboundMessages().add(Unpooled.copiedBuffer(b));
                b.release();
            } else {
                super.handleOutboundMessage(msg);
            }
        }

        @Override
        public SocketChannelConfig config() {
            if (socketConfig == null) {
                socketConfig = socketConfig(super.config());
            }
            return socketConfig;
        }

        @Override
        public InetSocketAddress localAddress() {
            return local;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return remote;
        }

        @Override
        public boolean isInputShutdown() {
            return !isActive();
        }

        @Override
        public ChannelFuture shutdownInput() {
            return close();
        }

        @Override
        public ChannelFuture shutdownInput(ChannelPromise promise) {
            return close(promise);
        }

        @Override
        public boolean isOutputShutdown() {
            return !isActive();
        }

        @Override
        public ChannelFuture shutdownOutput() {
            return close();
        }

        @Override
        public ChannelFuture shutdownOutput(ChannelPromise promise) {
            return close(promise);
        }

        @Override
        public boolean isShutdown() {
            return !isActive();
        }

        @Override
        public ChannelFuture shutdown() {
            return close();
        }

        @Override
        public ChannelFuture shutdown(ChannelPromise promise) {
            return close(promise);
        }

        /** The embedded channel's own config for everything a plain channel has; socket options as defaults. */
        private static SocketChannelConfig socketConfig(ChannelConfig base) {
            return (SocketChannelConfig) Proxy.newProxyInstance(SocketChannelConfig.class.getClassLoader(),
                    new Class<?>[] { SocketChannelConfig.class }, (proxy, m, args) -> {
                        switch (m.getName()) {
                            case "equals":
                                return args[0] == proxy;
                            case "hashCode":
                                return System.identityHashCode(proxy);
                            case "toString":
                                return "SocketChannelConfig over " + base;
                            default:
                                break;
                        }
                        Method plain;
                        try {
                            plain = ChannelConfig.class.getMethod(m.getName(), m.getParameterTypes());
                        } catch (NoSuchMethodException e) {
                            plain = null;
                        }
                        if (plain != null) {
                            try {
                                Object r = plain.invoke(base, args);
                                return r == base ? proxy : r;
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        }
                        Class<?> type = m.getReturnType();
                        if (type == boolean.class) {
                            return false;
                        }
                        if (type == int.class) {
                            return 0;
                        }
                        return type.isInstance(proxy) ? proxy : null;
                    });
        }
    }
}
