package io.esplink.core;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.esplink.testing.RawNode;
import io.esplink.testing.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * No lock-out: hostile sockets, however many, cannot keep a known node out. Limits per source address stop one
 * address from filling the gateway, and the last connections are kept for recognised nodes (with credentials, or in
 * expectedClientIds), for whom the oldest unrecognised connection is closed when the gateway is full.
 */
class LockOutTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /** Opens {@code count} sockets from {@code from}, each sending {@code firstLine}, keeping at most 1500 open. */
    private static void hostile(int port, String from, int count, String firstLine) throws IOException {
        ArrayDeque<Socket> open = new ArrayDeque<>();
        InetAddress local = InetAddress.getByName(from);
        try {
            for (int i = 0; i < count; i++) {
                Socket s = new Socket();
                try {
                    s.bind(new InetSocketAddress(local, 0));
                    s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                    if (firstLine != null) {
                        s.getOutputStream().write(firstLine.replace("{i}", String.valueOf(i))
                                .getBytes(StandardCharsets.UTF_8));
                    }
                    open.add(s);
                } catch (IOException refused) {
                    s.close(); // the gateway's backlog, or its limits: fine
                }
                while (open.size() > 1500) {
                    open.poll().close();
                }
            }
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
    }

    @Test
    void fiveThousandHostileSocketsFromOneAddress_doNotKeepAKnownNodeOut() throws Exception {
        CredentialsFile credentials = new CredentialsFile(dir.resolve("node-credentials")).load();
        String secret = credentials.add("kitchen", List.of());
        try (TestGateway gw = new TestGateway(new ServerConfig().timeoutMs(1000).credentials(credentials))) {
            CompletableFuture<Void> attack = CompletableFuture.runAsync(() -> {
                try {
                    hostile(gw.port(), "127.0.0.2", 5000, "intruder-{i}\n\n\n");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            // the known node, from its own address, while the attack runs
            EspLinkClient kitchen = gw.node("kitchen:" + secret);
            kitchen.send("still here").get(20, TimeUnit.SECONDS);
            assertThat(gw.server.node("kitchen").connected()).isTrue();
            attack.get(120, TimeUnit.SECONDS);
            assertThat(gw.server.nodes()).extracting(NodeView::clientId).containsExactly("kitchen");
            assertThat(gw.server.refusedConnections()).isGreaterThan(1000);
            assertThat(gw.server.refusedConnectionsByReason()).containsKey("limit per address");
        }
    }

    @Test
    void socketsThatSendAnIdAndThenOnlyKeepalives_fillingMaxConnections_doNotKeepAKnownNodeOut() throws Exception {
        // many addresses in effect: no limit per address; the gateway knows its node by expectedClientIds
        ServerConfig config = new ServerConfig().timeoutMs(1000).maxConnections(50).maxConnectionsPerAddress(0)
                .maxConnectionRatePerAddress(0).expectedClientIds(List.of("kitchen"));
        try (TestGateway gw = new TestGateway(config)) {
            List<RawNode> squatters = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 60; i++) {
                    RawNode r = new RawNode(gw.port(), "127.0.0." + (2 + i % 200));
                    squatters.add(r);
                    r.write("squatter-" + i + "\n");
                }
                // the squatters fill what is not kept for known nodes; the rest are refused
                await().atMost(WAIT).until(() -> gw.server.connectionCount() <= 50
                                                  && gw.server.refusedConnections() >= 10);
                assertThat(gw.server.refusedConnectionsByReason()).containsKey("room kept for known nodes");

                EspLinkClient kitchen = gw.node("kitchen");
                kitchen.send("let me in").get(20, TimeUnit.SECONDS);
                assertThat(gw.server.node("kitchen").connected()).isTrue();
            } finally {
                for (RawNode r : squatters) {
                    r.close();
                }
            }
        }
    }

    @Test
    void aFullGateway_closesTheOldestUnrecognisedConnection_toLetAKnownNodeIn() throws Exception {
        ServerConfig config = new ServerConfig().timeoutMs(1000).handshakeTimeoutMs(30_000).maxConnections(20)
                .maxConnectionsPerAddress(0).maxConnectionRatePerAddress(0).expectedClientIds(List.of("kitchen"));
        try (TestGateway gw = new TestGateway(config)) {
            List<RawNode> silent = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    silent.add(new RawNode(gw.port(), "127.0.1." + (1 + i))); // connected, never say who they are
                    // one at a time: two connections accepted together may become active in either order (each on
                    // its own event loop), and this test names the oldest
                    int open = i + 1;
                    await().atMost(WAIT).until(() -> gw.server.connectionCount() == open);
                }
                EspLinkClient kitchen = gw.node("kitchen");
                kitchen.send("let me in").get(20, TimeUnit.SECONDS);
                assertThat(silent.get(0).closedWithin(5000)).as("the oldest silent connection made room").isTrue();
                assertThat(gw.server.refusedConnectionsByReason()).containsEntry("closed to make room", 1L);
            } finally {
                for (RawNode r : silent) {
                    r.close();
                }
            }
        }
    }
}
