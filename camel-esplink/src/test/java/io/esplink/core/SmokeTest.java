package io.esplink.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SmokeTest {

    @Test
    void nodeAndGatewayExchangeMessages() throws Exception {
        NioEventLoopGroup boss = new NioEventLoopGroup(1);
        NioEventLoopGroup io = new NioEventLoopGroup(2);
        DefaultEventExecutorGroup notif = new DefaultEventExecutorGroup(2);
        EspLinkServer server = new EspLinkServer(new ServerConfig().host("127.0.0.1").port(0), boss, io, notif, null);
        List<String> got = new CopyOnWriteArrayList<>();
        server.addListener(null, new EspLinkListener() {
            public AckMode ackMode() { return AckMode.RECEIVED; }
            public boolean wantsEvents() { return false; }
            public void onMessage(InboundMessage m) { got.add(m.clientId() + ":" + m.payload()); }
        });
        server.start();
        List<String> nodeGot = new CopyOnWriteArrayList<>();
        try (EspLinkClient c = EspLinkClient.builder("127.0.0.1", server.localPort(), "n1").build()) {
            c.onMessage(nodeGot::add).start();
            c.send("hello").get();
            assertThat(got).containsExactly("n1:hello");
            java.util.concurrent.CompletableFuture<Void> f = new java.util.concurrent.CompletableFuture<>();
            server.send("n1", "down", true, true, 5000, e -> { if (e == null) f.complete(null); else f.completeExceptionally(e); });
            f.get();
            await().until(() -> nodeGot.contains("down"));
        } finally {
            server.stop();
            boss.shutdownGracefully(); io.shutdownGracefully(); notif.shutdownGracefully();
        }
    }
}
