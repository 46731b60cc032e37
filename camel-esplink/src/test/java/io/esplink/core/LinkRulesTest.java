package io.esplink.core;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.esplink.testing.RawNode;
import io.esplink.testing.TestGateway;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Rules L1-L18 and the connection limits, shown on the wire: a raw socket plays the node so that the exact bytes the
 * gateway sends can be checked.
 */
class LinkRulesTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static InboundMessage next(TestGateway gw) throws InterruptedException {
        InboundMessage m = gw.messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(m).as("a delivered message").isNotNull();
        return m;
    }

    private static List<String> payloads(TestGateway gw, int count) throws InterruptedException {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(next(gw).payload());
        }
        return out;
    }

    private static NodeView awaitUp(TestGateway gw, String id) {
        await().atMost(WAIT).until(() -> gw.server.node(id) != null && gw.server.node(id).connected());
        return gw.server.node(id);
    }

    private static void awaitDown(TestGateway gw, String id) {
        await().atMost(WAIT).until(() -> gw.server.node(id) != null && !gw.server.node(id).connected());
    }

    @Test
    void L1_L3_idLineAndMessageInOneSegment_deliveredWithThatClientId() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig()); RawNode node = new RawNode(gw.port())) {
            node.write("kitchen\n00{\"t\": 21.5}\n");
            InboundMessage m = next(gw);
            assertThat(m.clientId()).isEqualTo("kitchen");
            assertThat(m.messageId()).isZero();
            assertThat(m.payload()).isEqualTo("{\"t\": 21.5}");
            assertThat(m.connectCount()).isEqualTo(1);
            assertThat(m.remoteAddress()).startsWith("127.0.0.1:");
            assertThat(node.readNonKeepalive(5000)).isEqualTo("00");
        }
    }

    @Test
    void L3_emptyIdLineIsRefused() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig()); RawNode node = new RawNode(gw.port())) {
            node.write("\n00x\n");
            assertThat(node.closedWithin(5000)).isTrue();
            assertThat(gw.server.nodes()).isEmpty();
            assertThat(gw.server.refusedConnections()).isEqualTo(1);
        }
    }

    @Test
    void L4_keepaliveIsNeverAcked() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig()); RawNode node = new RawNode(gw.port())) {
            node.write("n\n\n\n\n01x\n");
            // the first line other than a keepalive is the ACK of the message: none for the three keepalives
            assertThat(node.readNonKeepalive(5000)).isEqualTo("01");
            assertThat(next(gw).payload()).isEqualTo("x");
        }
    }

    @Test
    void L6_badLineIsDroppedCountedAndTheLinkGoesOn() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig()); RawNode node = new RawNode(gw.port())) {
            node.write("n\nzz\n5\ng1x\n07ok\n");
            assertThat(node.readNonKeepalive(5000)).isEqualTo("07");
            InboundMessage m = next(gw);
            assertThat(m.payload()).isEqualTo("ok");
            assertThat(m.messageId()).isEqualTo(7);
            NodeView s = gw.server.node("n");
            assertThat(s.protocolErrors()).isEqualTo(3);
            assertThat(s.connected()).isTrue();
        }
    }

    @Test
    void L7_overlongLineClosesOnlyThatConnection_sessionSurvives() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().maxLineLength(64));
             RawNode other = new RawNode(gw.port()); RawNode bad = new RawNode(gw.port())) {
            other.write("other\n");
            bad.write("bad\n");
            awaitUp(gw, "other");
            awaitUp(gw, "bad");
            bad.write("00" + "a".repeat(200));
            assertThat(bad.closedWithin(5000)).isTrue();
            awaitDown(gw, "bad");
            assertThat(gw.events).anyMatch(e -> e.type() == SessionEvent.Type.DISCONNECTED
                    && e.clientId().equals("bad") && e.reason().startsWith("line too long"));

            other.write("00still here\n");
            assertThat(other.readNonKeepalive(5000)).isEqualTo("00");
            assertThat(next(gw).payload()).isEqualTo("still here");

            try (RawNode again = new RawNode(gw.port())) {
                again.write("bad\n01back\n");
                assertThat(again.readNonKeepalive(5000)).isEqualTo("01");
                InboundMessage m = next(gw);
                assertThat(m.payload()).isEqualTo("back");
                assertThat(m.connectCount()).isEqualTo(2);
            }
        }
    }

    @Test
    void L9_everyMessageIsAckedAtOnce_duplicatesIncluded() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig()); RawNode node = new RawNode(gw.port())) {
            node.write("n\n05a\n05a\n06b\n");
            assertThat(node.readNonKeepalive(5000)).isEqualTo("05");
            assertThat(node.readNonKeepalive(5000)).isEqualTo("05");
            assertThat(node.readNonKeepalive(5000)).isEqualTo("06");
            // one node's messages are delivered in order: b after a, and no second a in between
            assertThat(payloads(gw, 2)).containsExactly("a", "b");
            assertThat(gw.server.node("n").duplicatesIn()).isEqualTo(1);
        }
    }

    @Test
    void L10_duplicateIsAckedButNotDelivered_idZeroResetsTheWindow() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig()); RawNode node = new RawNode(gw.port())) {
            node.write("n\n00a\n01b\n00c\n01d\n01d\n02e\n");
            for (String ack : new String[] { "00", "01", "00", "01", "01", "02" }) {
                assertThat(node.readNonKeepalive(5000)).isEqualTo(ack);
            }
            assertThat(payloads(gw, 5)).containsExactly("a", "b", "c", "d", "e");
        }
    }

    @Test
    void L11_L16_windowAndCounterSurviveReconnect() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig())) {
            try (RawNode first = new RawNode(gw.port())) {
                first.write("n\n05x\n");
                assertThat(first.readNonKeepalive(5000)).isEqualTo("05");
                assertThat(next(gw).payload()).isEqualTo("x");
                gw.send("n", "one", true, true, 10_000);
                assertThat(first.readNonKeepalive(5000)).isEqualTo("00one");
                first.write("00\n");
            }
            awaitDown(gw, "n");
            try (RawNode second = new RawNode(gw.port())) {
                second.write("n\n05x\n06y\n");
                assertThat(second.readNonKeepalive(5000)).isEqualTo("05");
                assertThat(second.readNonKeepalive(5000)).isEqualTo("06");
                InboundMessage m = next(gw);
                assertThat(m.payload()).as("05 was seen before the reconnect").isEqualTo("y");
                assertThat(m.connectCount()).isEqualTo(2);
                gw.send("n", "two", true, true, 10_000);
                assertThat(second.readNonKeepalive(5000)).as("the counter goes on").isEqualTo("01two");
            }
        }
    }

    @Test
    void L12_gatewaySendsAKeepaliveEveryQuarterTimeout() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().timeoutMs(2000));
             RawNode node = new RawNode(gw.port())) {
            node.write("n\n");
            int keepalives = 0;
            long deadline = System.currentTimeMillis() + 1700; // under the timeout: the silent node stays up
            String line;
            while ((line = node.readLine(Math.max(1, deadline - System.currentTimeMillis()))) != null) {
                assertThat(line).isEmpty();
                keepalives++;
            }
            // at 0, 500, 1000 and 1500 ms; one of them may be late on a loaded machine
            assertThat(keepalives).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void L13_silentNodeIsDeclaredDown_sessionKeepsItsMessagesUntilItReturns() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().timeoutMs(400))) {
            try (RawNode node = new RawNode(gw.port())) {
                node.write("n\n");
                awaitUp(gw, "n");
                gw.send("n", "later", true, true, 0); // held: the node has sent nothing since its ID (L15)
                assertThat(node.closedWithin(5000)).isTrue();
            }
            awaitDown(gw, "n");
            assertThat(gw.events).anyMatch(e -> e.type() == SessionEvent.Type.DISCONNECTED
                    && e.reason().startsWith("timeout: nothing received"));
            assertThat(gw.server.node("n").pending()).isEqualTo(1);
            try (RawNode back = new RawNode(gw.port())) {
                back.write("n\n\n");
                assertThat(back.readNonKeepalive(5000)).isEqualTo("00later");
                assertThat(gw.server.node("n").connectCount()).isEqualTo(2);
                await().atMost(WAIT).until(() -> gw.events.stream()
                        .filter(e -> e.type() == SessionEvent.Type.CONNECTED).count() == 2);
            }
        }
    }

    @Test
    void L14_nothingIsSentBeforeTheIdLine_andAKeepaliveComesRightAfterIt() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig()); RawNode node = new RawNode(gw.port())) {
            gw.send("n", "queued", true, true, 0);
            assertThat(node.readLine(500)).as("nothing before the ID line").isNull();
            node.write("n\n");
            assertThat(node.readLine(1000)).as("a keepalive first").isEmpty();
        }
    }

    @Test
    void L15_messagesWaitForTheNodesFirstBytesAndThenTheHold() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().writeDelayMs(600));
             RawNode node = new RawNode(gw.port())) {
            node.write("n\n");
            awaitUp(gw, "n");
            gw.send("n", "m", true, true, 0);
            assertThat(node.readNonKeepalive(800)).as("not before the node's first bytes").isNull();
            long start = System.nanoTime();
            node.write("\n");
            assertThat(node.readNonKeepalive(5000)).isEqualTo("00m");
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(elapsedMs).as("held for writeDelayAfterConnect").isGreaterThanOrEqualTo(550);
        }
    }

    @Test
    void L17_duplicateClientIsRefusedWhileUp_andReattachesWhenDown() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig())) {
            RawNode first = new RawNode(gw.port());
            first.write("d\n");
            awaitUp(gw, "d");
            try (RawNode dup = new RawNode(gw.port())) {
                dup.write("d\n00dup\n");
                assertThat(dup.closedWithin(5000)).isTrue();
            }
            first.write("00first\n");
            assertThat(first.readNonKeepalive(5000)).isEqualTo("00");
            assertThat(next(gw).payload()).isEqualTo("first");
            assertThat(gw.server.refusedConnections()).isEqualTo(1);
            first.close();
            awaitDown(gw, "d");
            try (RawNode again = new RawNode(gw.port())) {
                again.write("d\n01again\n");
                assertThat(again.readNonKeepalive(5000)).isEqualTo("01");
                InboundMessage m = next(gw);
                assertThat(m.payload()).isEqualTo("again");
                assertThat(m.connectCount()).isEqualTo(2);
            }
        }
    }

    @Test
    void L17_replacePolicyClosesTheOldConnection() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig()
                .duplicateClientPolicy(DuplicateClientPolicy.REPLACE));
             RawNode first = new RawNode(gw.port()); RawNode second = new RawNode(gw.port())) {
            first.write("d\n");
            awaitUp(gw, "d");
            second.write("d\n00new\n");
            assertThat(first.closedWithin(5000)).isTrue();
            assertThat(second.readNonKeepalive(5000)).isEqualTo("00");
            assertThat(next(gw).payload()).isEqualTo("new");
            assertThat(gw.server.node("d").connectCount()).isEqualTo(2);
        }
    }

    @Test
    void L18_unknownClientIsOnlyWarnedAboutByDefault() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().expectedClientIds(List.of("a")));
             RawNode node = new RawNode(gw.port())) {
            node.write("stranger\n00hi\n");
            assertThat(node.readNonKeepalive(5000)).isEqualTo("00");
            assertThat(next(gw).clientId()).isEqualTo("stranger");
        }
    }

    @Test
    void L18_unknownClientIsRefusedWithRejectUnknownClients() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().expectedClientIds(List.of("a", "b"))
                .rejectUnknownClients(true))) {
            try (RawNode stranger = new RawNode(gw.port())) {
                stranger.write("stranger\n00hi\n");
                assertThat(stranger.closedWithin(5000)).isTrue();
            }
            try (RawNode known = new RawNode(gw.port())) {
                known.write("a\n00hi\n");
                assertThat(known.readNonKeepalive(5000)).isEqualTo("00");
            }
            assertThat(gw.server.nodes().stream().map(NodeView::clientId).collect(Collectors.toSet()))
                    .isEqualTo(Set.of("a"));
            assertThatThrownBy(() -> gw.server.send("stranger", "x", true, true, 0, null))
                    .isInstanceOf(EspLinkException.class).hasMessageContaining("expectedClientIds");
        }
    }

    @Test
    void L18_rejectUnknownClientsWithoutExpectedIdsIsAConfigurationError() {
        assertThatThrownBy(() -> new ServerConfig().rejectUnknownClients(true).validate())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expectedClientIds");
    }

    @Test
    void handshakeTimeout_connectionWithoutIdLineIsClosedWithoutAByteWritten() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().handshakeTimeoutMs(300));
             RawNode node = new RawNode(gw.port())) {
            boolean closed = false;
            String line = null;
            try {
                line = node.readLine(5000);
            } catch (java.io.EOFException e) {
                closed = true;
            }
            assertThat(line).as("nothing is written to a node before its ID line").isNull();
            assertThat(closed).as("closed by the handshake timeout").isTrue();
            assertThat(gw.server.refusedConnections()).isEqualTo(1);
        }
    }

    @Test
    void maxConnections_connectionOverTheLimitIsClosed_othersGoOn() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().maxConnections(2));
             RawNode a = new RawNode(gw.port()); RawNode b = new RawNode(gw.port())) {
            a.write("a\n");
            b.write("b\n");
            awaitUp(gw, "a");
            awaitUp(gw, "b");
            try (RawNode c = new RawNode(gw.port())) {
                c.write("c\n");
                assertThat(c.closedWithin(5000)).isTrue();
            }
            assertThat(gw.server.node("c")).isNull();
            a.write("00still\n");
            assertThat(a.readNonKeepalive(5000)).isEqualTo("00");
            assertThat(gw.server.refusedConnections()).isEqualTo(1);
        }
    }
}
