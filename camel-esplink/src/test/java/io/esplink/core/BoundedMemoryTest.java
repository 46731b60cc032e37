package io.esplink.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.esplink.testing.TestGateway;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Bounded memory everywhere: the node messages held for the routes (above the bound the gateway stops reading, and a
 * paused node is not declared down), the nodes remembered (forgotten when gone with nothing pending, oldest first
 * beyond a count), and the messages queued for one node.
 */
class BoundedMemoryTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aStuckRoute_heldMessagesStayBounded_readingPauses_nodesStayUp_andEverythingArrivesOnceInOrder()
            throws Exception {
        NioEventLoopGroup boss = new NioEventLoopGroup(1);
        NioEventLoopGroup io = new NioEventLoopGroup(2);
        DefaultEventExecutorGroup delivery = new DefaultEventExecutorGroup(2);
        EspLinkServer server = new EspLinkServer(new ServerConfig().host("127.0.0.1").port(0).timeoutMs(500)
                .maxInflightMessages(100), boss, io, delivery, null);
        CompletableFuture<Void> unstuck = new CompletableFuture<>();
        ConcurrentHashMap<String, List<String>> got = new ConcurrentHashMap<>();
        List<SessionEvent> events = new CopyOnWriteArrayList<>();
        // a listener that completes every message only once the route is unstuck
        server.addListener(null, new EspLinkListener() {
            @Override
            public AckMode ackMode() {
                return AckMode.RECEIVED;
            }

            @Override
            public boolean reportsDone() {
                return true;
            }

            @Override
            public boolean wantsEvents() {
                return true;
            }

            @Override
            public void onMessage(InboundMessage m) {
                got.computeIfAbsent(m.clientId(), k -> new CopyOnWriteArrayList<>()).add(m.payload());
                unstuck.thenRun(() -> m.done(true));
            }

            @Override
            public void onEvent(SessionEvent e) {
                events.add(e);
            }
        });
        server.start();
        int nodes = 4;
        int each = 1500;
        String padding = "p".repeat(1000);
        List<EspLinkClient> clients = new java.util.ArrayList<>();
        try {
            for (int n = 0; n < nodes; n++) {
                EspLinkClient c = EspLinkClient.builder("127.0.0.1", server.localPort(), "n" + n).timeoutMs(500)
                        .build();
                clients.add(c.start());
            }
            await().atMost(WAIT).until(() -> clients.stream().allMatch(EspLinkClient::isUp));
            for (EspLinkClient c : clients) {
                for (int i = 0; i < each; i++) {
                    c.send(i + ":" + padding, false, false); // as fast as the socket takes them
                }
            }
            await().atMost(WAIT).until(server::readingPaused);
            // longer than the timeout: the nodes are silent to the gateway, yet not declared down
            long until = System.currentTimeMillis() + 2000;
            int maxHeld = 0;
            while (System.currentTimeMillis() < until) {
                maxHeld = Math.max(maxHeld, server.heldMessages());
                Thread.onSpinWait();
            }
            // the bound, plus what one read of each connection can bring at once
            assertThat(maxHeld).isLessThan(100 + nodes * 100).isLessThan(nodes * each / 4);
            assertThat(events).as("nobody was declared down").noneMatch(e -> e.type() == SessionEvent.Type.DISCONNECTED);

            unstuck.complete(null);
            await().atMost(WAIT).until(() -> got.values().stream().mapToInt(List::size).sum() == nodes * each);
            for (List<String> payloads : got.values()) {
                for (int i = 0; i < each; i++) {
                    assertThat(payloads.get(i)).startsWith(i + ":");
                }
            }
            await().atMost(WAIT).until(() -> !server.readingPaused() && server.heldMessages() == 0);
            assertThat(server.nodes()).allMatch(v -> v.connectCount() == 1);
        } finally {
            unstuck.complete(null);
            clients.forEach(EspLinkClient::close);
            server.stop();
            boss.shutdownGracefully();
            io.shutdownGracefully();
            delivery.shutdownGracefully();
        }
    }

    @Test
    void theBoundsOnHeldMessages_refuseValuesTheirCounterCannotHold_withTheLimitInTheMessage() {
        // messages and bytes held share one counter: a bound beyond its fields must be refused, not wrap
        ServerConfig c = new ServerConfig().maxInflightMessages(1_000_000).maxInflightBytes(1L << 40);
        assertThat(c.maxInflightMessages()).isEqualTo(1_000_000);
        assertThatThrownBy(() -> new ServerConfig().maxInflightMessages(1_000_001))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 1 and 1000000");
        assertThatThrownBy(() -> new ServerConfig().maxInflightBytes((1L << 40) + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 TiB");
    }

    @Test
    void nodesGoneWithNothingPending_areForgottenOldestFirst_beyondMaxSessions_butNotOneWithACommandWaiting()
            throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().timeoutMs(500).maxSessions(5))) {
            CompletableFuture<Void> waiting = gw.send("keeper", "for when you are back", true, true, 0);
            for (int i = 0; i < 12; i++) {
                String id = "visitor-" + i;
                EspLinkClient c = gw.node(id);
                await().atMost(WAIT).until(c::isUp);
                c.close();
                await().atMost(WAIT).until(() -> gw.server.node(id) == null || !gw.server.node(id).connected());
            }
            assertThat(gw.server.nodes()).hasSizeLessThanOrEqualTo(5);
            assertThat(gw.server.node("keeper")).as("a command waits for it").isNotNull();
            assertThat(gw.server.node("visitor-11")).as("the newest is kept").isNotNull();
            assertThat(gw.server.node("visitor-0")).as("the oldest went first").isNull();
            assertThat(waiting).isNotDone();
        }
    }

    @Test
    void nodesGoneLongerThanSessionExpiry_areForgotten() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().timeoutMs(500).sessionExpiryMs(200))) {
            EspLinkClient c = gw.node("passer-by");
            await().atMost(WAIT).until(c::isUp);
            c.close();
            await().atMost(WAIT).until(() -> gw.server.node("passer-by") == null);
        }
    }

    @Test
    void messagesQueuedForOneNode_areBounded_withAClearError() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().timeoutMs(500).maxQueuedPerNode(3))) {
            for (int i = 0; i < 3; i++) {
                gw.send("away", "m" + i, true, true, 0);
            }
            assertThatThrownBy(() -> gw.server.send("away", "m3", true, true, 0, null))
                    .isInstanceOf(EspLinkException.class).hasMessageContaining("maxQueuedPerNode")
                    .hasMessageContaining("away");
            assertThat(gw.server.node("away").pending()).isEqualTo(3);
        }
    }

    @Test
    void unboundedIds_oneSessionPerConnectionAtMost_andTheHeapStaysFlatOverManyDistinctIds() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().timeoutMs(500).maxSessions(50)
                .maxConnectionRatePerAddress(0))) {
            for (int i = 0; i < 500; i++) {
                try (io.esplink.testing.RawNode r = new io.esplink.testing.RawNode(gw.port())) {
                    r.write("random-" + i + "\n");
                    r.readLine(2000); // its first keepalive: attached
                }
            }
            await().atMost(WAIT).until(() -> gw.server.connectionCount() == 0);
            assertThat(gw.server.nodes()).hasSizeLessThanOrEqualTo(50);
        }
    }
}
