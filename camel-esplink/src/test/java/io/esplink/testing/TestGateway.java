package io.esplink.testing;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

import io.esplink.core.AckMode;
import io.esplink.core.EspLinkClient;
import io.esplink.core.EspLinkListener;
import io.esplink.core.EspLinkServer;
import io.esplink.core.InboundMessage;
import io.esplink.core.ServerConfig;
import io.esplink.core.SessionEvent;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultEventExecutorGroup;

/**
 * A core gateway on 127.0.0.1 and a free port, with a listener that records what it receives. Close it after the
 * test (try-with-resources).
 */
public final class TestGateway implements AutoCloseable {

    public final EspLinkServer server;
    public final BlockingQueue<InboundMessage> messages = new LinkedBlockingQueue<>();
    public final List<SessionEvent> events = new CopyOnWriteArrayList<>();
    private final EventLoopGroup boss;
    private final EventLoopGroup io;
    private final DefaultEventExecutorGroup delivery = new DefaultEventExecutorGroup(2);
    private final List<EspLinkClient> clients = new CopyOnWriteArrayList<>();
    private volatile Consumer<InboundMessage> onMessage = m -> {
    };

    public TestGateway(ServerConfig config, AckMode ackMode) {
        this(config, ackMode, new NioEventLoopGroup(1), new NioEventLoopGroup(2));
    }

    /** On event loop groups of the caller's choice (closed with the gateway). */
    public TestGateway(ServerConfig config, AckMode ackMode, EventLoopGroup boss, EventLoopGroup io) {
        this.boss = boss;
        this.io = io;
        server = new EspLinkServer(config.host("127.0.0.1").port(0), boss, io, delivery, null);
        server.addListener(null, new EspLinkListener() {
            @Override
            public AckMode ackMode() {
                return ackMode;
            }

            @Override
            public boolean wantsEvents() {
                return true;
            }

            @Override
            public void onMessage(InboundMessage message) {
                messages.add(message);
                onMessage.accept(message);
            }

            @Override
            public void onEvent(SessionEvent event) {
                events.add(event);
            }
        });
        server.start();
    }

    public TestGateway(ServerConfig config) {
        this(config, AckMode.RECEIVED);
    }

    /** Also called for each message, on the delivery thread (for ack mode "processed": call done()). */
    public TestGateway onMessage(Consumer<InboundMessage> handler) {
        this.onMessage = handler;
        return this;
    }

    public int port() {
        return server.localPort();
    }

    /** A started Java node client with this gateway's timeout; closed with the gateway. */
    public EspLinkClient node(String clientId) {
        return node(clientId, null);
    }

    public EspLinkClient node(String clientId, Consumer<String> received) {
        EspLinkClient c = EspLinkClient.builder("127.0.0.1", port(), clientId)
                .timeoutMs(server.config().timeoutMs())
                .build();
        if (received != null) {
            c.onMessage(received);
        }
        clients.add(c);
        return c.start();
    }

    /** Sends to a node; the future completes when ACKed (qos) or fails. */
    public CompletableFuture<Void> send(String clientId, String payload, boolean qos, boolean wait, long timeoutMs) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        server.send(clientId, payload, qos, wait, timeoutMs, e -> {
            if (e == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    @Override
    public void close() {
        for (EspLinkClient c : clients) {
            c.close();
        }
        server.stop();
        boss.shutdownGracefully();
        io.shutdownGracefully();
        delivery.shutdownGracefully();
    }
}
