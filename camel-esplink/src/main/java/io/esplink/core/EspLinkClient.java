package io.esplink.core;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node side of the link, in Java: what the upstream {@code iot/client.py} does on a WiFi node, for tests, the
 * simulator and gateways that act as nodes. It sends its client ID first (L3), treats the link as up only after the
 * first line from the gateway (L14), sends keepalives when idle (L12), declares an outage after {@code timeout}
 * without a byte (L13), then waits {@code reconnectDelay} (by default 2 x timeout) and reconnects, for as long as it
 * is not closed. Messages go out with qos and wait as on the node (L19-L21); received messages are ACKed and
 * filtered (L9-L10) and handed to the message handler in order.
 */
public final class EspLinkClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EspLinkClient.class);

    private final String host;
    private final int port;
    private final long timeoutMs;
    private final long reconnectDelayMs;
    private final int maxLineLength;
    private final boolean ownGroup;
    private final EventLoopGroup group;
    private final EventExecutor notifier;
    private final boolean ownNotifier;
    private final String clientId;
    private final Outbox outbox;
    private final InboundWindow window = new InboundWindow();
    private final SslContext sslContext;
    private final LongAdder outages = new LongAdder();

    private volatile Consumer<String> messageHandler = m -> {
    };
    private volatile Consumer<Boolean> linkHandler = up -> {
    };
    private volatile boolean closed;
    private volatile boolean started;
    private volatile boolean up;

    private EspLinkClient(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.timeoutMs = b.timeoutMs;
        this.reconnectDelayMs = b.reconnectDelayMs >= 0 ? b.reconnectDelayMs : 2 * b.timeoutMs;
        this.maxLineLength = b.maxLineLength;
        this.ownGroup = b.group == null;
        this.group = ownGroup ? new NioEventLoopGroup(1) : b.group;
        this.ownNotifier = b.notifier == null;
        this.notifier = ownNotifier ? new DefaultEventExecutor() : b.notifier;
        this.clientId = b.clientId;
        this.outbox = new Outbox(b.clientId, timeoutMs, Integer.MAX_VALUE, notifier);
        this.sslContext = b.sslContext;
    }

    public static Builder builder(String host, int port, String clientId) {
        return new Builder(host, port, clientId);
    }

    /** Called with each new message from the gateway, in order, on the notifier thread. Set before start. */
    public EspLinkClient onMessage(Consumer<String> handler) {
        this.messageHandler = handler;
        return this;
    }

    /** Called with true when the link comes up (first line received), false when it goes down. */
    public EspLinkClient onLink(Consumer<Boolean> handler) {
        this.linkHandler = handler;
        return this;
    }

    /** Starts connecting; returns at once. The client reconnects by itself until closed. */
    public synchronized EspLinkClient start() {
        if (!started) {
            started = true;
            connect();
        }
        return this;
    }

    public String clientId() {
        return clientId;
    }

    /** True once the gateway sent its first line on the current connection (L14). */
    public boolean isUp() {
        return up;
    }

    /** How many connections have been made so far. */
    public int connects() {
        return outbox.connectCount();
    }

    /** New messages received (duplicates excluded). */
    public long received() {
        return window.messages();
    }

    /** Duplicates received and dropped (L10). */
    public long duplicates() {
        return window.duplicates();
    }

    /** Outages: connections lost, by timeout, reset or {@link #dropLink()}. */
    public long outages() {
        return outages.sum();
    }

    public long sent() {
        return outbox.messagesOut();
    }

    public long retransmissions() {
        return outbox.retransmissions();
    }

    /** Messages queued or awaiting ACK. */
    public int pending() {
        return outbox.pendingCount();
    }

    /** Sends with qos and wait (the node's defaults): completes when the gateway ACKed. */
    public CompletableFuture<Void> send(String payload) {
        return send(payload, true, true);
    }

    /** Sends a message (L19-L21); completes when ACKed (qos) or written (no qos). */
    public CompletableFuture<Void> send(String payload, boolean qos, boolean wait) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        outbox.send(payload, qos, wait, 0, failure -> {
            if (failure == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(failure);
            }
        });
        return f;
    }

    /**
     * Cuts the current connection as an outage would (no more keepalives, socket closed); the client reconnects
     * after the reconnect delay, like a node.
     */
    public void dropLink() {
        outbox.closeConnection("outage simulated");
    }

    @Override
    public void close() {
        closed = true;
        Channel ch = outbox.channel();
        if (ch != null) {
            Links.close(ch, "client closed");
            ch.closeFuture().awaitUninterruptibly(timeoutMs);
        }
        outbox.close("client closed");
        if (ownGroup) {
            group.shutdownGracefully(0, timeoutMs, TimeUnit.MILLISECONDS).awaitUninterruptibly();
        }
        if (ownNotifier) {
            notifier.shutdownGracefully(0, timeoutMs, TimeUnit.MILLISECONDS).awaitUninterruptibly();
        }
    }

    private void connect() {
        if (closed) {
            return;
        }
        new Bootstrap()
                .group(group)
                .channel(Transports.socketChannel(group))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1000, 2 * timeoutMs))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (sslContext != null) {
                            ch.pipeline().addLast(sslContext.newHandler(ch.alloc(), host, port));
                        }
                        ch.pipeline().addLast(new FlushConsolidationHandler(256, true));
                        ch.pipeline().addLast(new LivenessHandler(timeoutMs, 2 * timeoutMs, false));
                        ch.pipeline().addLast(new FrameDecoder(maxLineLength, false));
                        ch.pipeline().addLast(new NodeHandler());
                    }
                })
                .connect(host, port)
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        LOG.debug("Node '{}': cannot connect to {}:{}: {}", clientId, host, port,
                                f.cause().getMessage());
                        scheduleReconnect();
                    }
                });
    }

    private void scheduleReconnect() {
        if (!closed) {
            group.next().schedule(this::connect, reconnectDelayMs, TimeUnit.MILLISECONDS);
        }
    }

    private final class NodeHandler extends SimpleChannelInboundHandler<Frame> {
        private boolean gotLine;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            if (closed) {
                ch.close();
                return;
            }
            outbox.attach(ch);
            ch.writeAndFlush(Unpooled.copiedBuffer(clientId + "\n", StandardCharsets.UTF_8));
            ctx.pipeline().fireUserEventTriggered(LivenessHandler.START);
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
            Channel ch = ctx.channel();
            if (!gotLine) {
                gotLine = true; // L14: the link is up
                up = true;
                outbox.releaseHold(ch);
                notifier.execute(() -> linkHandler.accept(true));
            }
            switch (frame.type()) {
                case ACK:
                    outbox.onAck(frame.messageId());
                    break;
                case MESSAGE:
                    int mid = frame.messageId();
                    ch.writeAndFlush(Protocol.ack(mid), ch.voidPromise());
                    boolean fresh;
                    synchronized (window) {
                        fresh = window.accept(mid);
                    }
                    if (fresh) {
                        String payload = frame.text();
                        notifier.execute(() -> messageHandler.accept(payload));
                    }
                    break;
                case BAD:
                    LOG.warn("Node '{}': bad line from the gateway: '{}'", clientId, frame.text());
                    break;
                default:
                    break;
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            outbox.detach(ch);
            if (gotLine) {
                up = false;
                notifier.execute(() -> linkHandler.accept(false));
            }
            if (!closed) {
                outages.increment();
                LOG.debug("Node '{}': link down ({}), reconnecting in {} ms", clientId, Links.closeReason(ch),
                        reconnectDelayMs);
                scheduleReconnect();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("Node '{}': {}", clientId, cause.toString());
            Links.close(ctx.channel(), "error: " + cause);
        }
    }

    /** Settings of a node client. */
    public static final class Builder {
        private final String host;
        private final int port;
        private final String clientId;
        private long timeoutMs = Protocol.DEFAULT_TIMEOUT_MS;
        private long reconnectDelayMs = -1;
        private int maxLineLength = Protocol.DEFAULT_MAX_LINE_LENGTH;
        private EventLoopGroup group;
        private EventExecutor notifier;
        private SslContext sslContext;

        private Builder(String host, int port, String clientId) {
            this.host = host;
            this.port = port;
            this.clientId = Protocol.checkClientId(clientId);
        }

        /** L12: must match the gateway's. */
        public Builder timeoutMs(long timeoutMs) {
            this.timeoutMs = timeoutMs;
            return this;
        }

        /** The pause after an outage before reconnecting; default 2 x timeout (L13). */
        public Builder reconnectDelayMs(long ms) {
            this.reconnectDelayMs = ms;
            return this;
        }

        public Builder maxLineLength(int maxLineLength) {
            this.maxLineLength = maxLineLength;
            return this;
        }

        /** A shared event loop group (not shut down by close); default: one of its own with one thread. */
        public Builder group(EventLoopGroup group) {
            this.group = group;
            return this;
        }

        /** A shared executor for handlers and send results (not shut down by close). */
        public Builder notifier(EventExecutor notifier) {
            this.notifier = notifier;
            return this;
        }

        /** TLS towards a gateway that listens with TLS (a client context). */
        public Builder sslContext(SslContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        public EspLinkClient build() {
            return new EspLinkClient(this);
        }
    }
}
