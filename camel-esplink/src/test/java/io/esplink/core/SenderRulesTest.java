package io.esplink.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.esplink.testing.RawNode;
import io.esplink.testing.TestGateway;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The sender's rules L19-L22 and the send timeout, seen from a raw node; exactly-once with the Java node client. */
class SenderRulesTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    /** A raw node that is up and past the L15 hold (it sent a keepalive). */
    private static RawNode readyNode(TestGateway gw, String id) throws Exception {
        RawNode node = new RawNode(gw.port());
        node.write(id + "\n\n");
        await().atMost(WAIT).until(() -> gw.server.node(id) != null && gw.server.node(id).connected());
        return node;
    }

    @Test
    void L19_qosOff_completesOnceWritten_andIsNeverResent() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().timeoutMs(400).writeDelayMs(0));
             RawNode node = readyNode(gw, "n")) {
            CompletableFuture<Void> sent = gw.send("n", "x", false, false, 5000);
            assertThat(node.readNonKeepalive(5000)).isEqualTo("00x");
            sent.get(5, TimeUnit.SECONDS);
            // no ACK from the node, for three timeouts: still nothing resent
            assertThat(node.keepAliveFor(1200)).isEmpty();
        }
    }

    @Test
    void L20_unacknowledgedMessageIsResentWithTheSameIdUntilAcked() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().timeoutMs(400).writeDelayMs(0));
             RawNode node = readyNode(gw, "n")) {
            CompletableFuture<Void> sent = gw.send("n", "x", true, true, 0);
            assertThat(node.readNonKeepalive(5000)).isEqualTo("00x");
            List<String> resent = node.keepAliveFor(1000);
            assertThat(resent).isNotEmpty().allMatch("00x"::equals);
            assertThat(sent).isNotDone();
            node.write("00\n");
            sent.get(5, TimeUnit.SECONDS);
            assertThat(node.keepAliveFor(1000)).as("nothing after the ACK").isEmpty();
            assertThat(gw.server.node("n").retransmissions()).isEqualTo(resent.size());
        }
    }

    @Test
    void L20_messageInterruptedByAnOutageIsResentAfterReconnect() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().writeDelayMs(0))) {
            CompletableFuture<Void> sent;
            try (RawNode node = readyNode(gw, "n")) {
                sent = gw.send("n", "x", true, true, 0);
                assertThat(node.readNonKeepalive(5000)).isEqualTo("00x");
            } // gone without ACK
            await().atMost(WAIT).until(() -> !gw.server.node("n").connected());
            assertThat(sent).isNotDone();
            try (RawNode node = readyNode(gw, "n")) {
                assertThat(node.readNonKeepalive(5000)).isEqualTo("00x");
                node.write("00\n");
                sent.get(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void L21_withWait_theNextMessageWaitsForTheAckOfTheLast() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().writeDelayMs(0));
             RawNode node = readyNode(gw, "n")) {
            CompletableFuture<Void> a = gw.send("n", "a", true, true, 0);
            CompletableFuture<Void> b = gw.send("n", "b", true, true, 0);
            assertThat(node.readNonKeepalive(5000)).isEqualTo("00a");
            assertThat(node.keepAliveFor(500)).as("b waits (timeout 2000 ms: no resend of a yet)").isEmpty();
            node.write("00\n");
            assertThat(node.readNonKeepalive(5000)).isEqualTo("01b");
            a.get(5, TimeUnit.SECONDS);
            assertThat(b).isNotDone();
            node.write("01\n");
            b.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void L21_withoutWait_messagesGoOutAtOnce() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().writeDelayMs(0));
             RawNode node = readyNode(gw, "n")) {
            CompletableFuture<Void> a = gw.send("n", "a", true, false, 0);
            CompletableFuture<Void> b = gw.send("n", "b", true, false, 0);
            assertThat(node.readNonKeepalive(5000)).isEqualTo("00a");
            assertThat(node.readNonKeepalive(5000)).isEqualTo("01b");
            node.write("01\n00\n");
            CompletableFuture.allOf(a, b).get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void L22_aNodeNeverHasMoreThanOneUnacknowledgedMessage() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().writeDelayMs(0));
             RawNode node = readyNode(gw, "n")) {
            List<CompletableFuture<Void>> sent = IntStream.range(0, 25)
                    .mapToObj(i -> gw.send("n", "m" + i, true, true, 0)).collect(Collectors.toList());
            for (int i = 0; i < 25; i++) {
                String line = node.readNonKeepalive(5000);
                assertThat(line).isEqualTo(String.format("%02xm%d", i, i));
                // more than the node's 20-entry queue would hold, but never a second line before this ACK
                assertThat(node.readNonKeepalive(50)).isNull();
                node.write(line.substring(0, 2) + "\n");
            }
            CompletableFuture.allOf(sent.toArray(new CompletableFuture[0])).get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void sendTimeout_toAbsentNode_failsWithSendTimeoutException() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig())) {
            CompletableFuture<Void> sent = gw.send("ghost", "x", true, true, 300);
            assertThatThrownBy(() -> sent.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(SendTimeoutException.class)
                    .hasMessageContaining("ghost").hasMessageContaining("not connected");
            SendTimeoutException e = (SendTimeoutException) sent.handle((v, t) -> t).get();
            assertThat(e.wasSent()).isFalse();
            assertThat(gw.server.node("ghost").pending()).as("withdrawn").isZero();
        }
    }

    @Test
    void sendTimeout_messageNeverAcked_failsMarkedAsSent_andIsNoLongerResent() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().timeoutMs(400).writeDelayMs(0));
             RawNode node = readyNode(gw, "n")) {
            CompletableFuture<Void> sent = gw.send("n", "x", true, true, 700);
            assertThat(node.readNonKeepalive(5000)).isEqualTo("00x");
            node.keepAliveFor(1000); // past the deadline, keeping the link up
            assertThat(sent).isCompletedExceptionally();
            assertThatThrownBy(() -> sent.get(10, TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(SendTimeoutException.class, e -> assertThat(e.wasSent()).isTrue());
            assertThat(node.keepAliveFor(1000)).as("not resent after it failed").isEmpty();
            // and the next message is not blocked by it (L21)
            CompletableFuture<Void> next = gw.send("n", "y", true, true, 0);
            assertThat(node.readNonKeepalive(5000)).isEqualTo("01y");
            node.write("01\n");
            next.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void sendTimeout_shorterThanTheAckTimeout_failsAtItsDeadline_notAtTheNextResend() throws Exception {
        // one ACK sweep per connection watches both: a deadline of 300 ms must not wait for the 3 s ACK timeout
        try (TestGateway gw = new TestGateway(new ServerConfig().timeoutMs(3000).writeDelayMs(0));
             RawNode node = readyNode(gw, "n")) {
            long start = System.nanoTime();
            CompletableFuture<Void> sent = gw.send("n", "x", true, true, 300);
            assertThat(node.readNonKeepalive(5000)).isEqualTo("00x");
            assertThatThrownBy(() -> sent.get(10, TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(SendTimeoutException.class, e -> assertThat(e.wasSent()).isTrue());
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(ms).as("failed at its deadline, before the ACK timeout").isBetween(250L, 2500L);
            assertThat(gw.server.node("n").retransmissions()).as("never resent").isZero();
        }
    }

    @Test
    void sendTimeout_messageWaitingBehindAnUnackedOne_L21_failsAtItsDeadline_unsent() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().timeoutMs(3000).writeDelayMs(0));
             RawNode node = readyNode(gw, "n")) {
            CompletableFuture<Void> first = gw.send("n", "a", true, true, 0); // never ACKed, never times out
            assertThat(node.readNonKeepalive(5000)).isEqualTo("00a");
            long start = System.nanoTime();
            CompletableFuture<Void> second = gw.send("n", "b", true, true, 300); // waits for the first's ACK (L21)
            assertThatThrownBy(() -> second.get(10, TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(SendTimeoutException.class, e -> assertThat(e.wasSent()).isFalse());
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(250L, 2500L);
            assertThat(first).isNotDone();
        }
    }

    @Test
    void L20_eachOfSeveralUnackedMessagesIsResentAfterItsOwnTimeout_untilAcked() throws Exception {
        try (TestGateway gw = new TestGateway(new ServerConfig().timeoutMs(400).writeDelayMs(0));
             RawNode node = readyNode(gw, "n")) {
            CompletableFuture<Void> a = gw.send("n", "a", true, false, 0);
            CompletableFuture<Void> b = gw.send("n", "b", true, false, 0);
            assertThat(node.readNonKeepalive(5000)).isEqualTo("00a");
            assertThat(node.readNonKeepalive(5000)).isEqualTo("01b");
            node.write("00\n"); // only the first is ACKed
            a.get(5, TimeUnit.SECONDS);
            List<String> resent = node.keepAliveFor(1000);
            assertThat(resent).as("only the unACKed one comes again").isNotEmpty().allMatch("01b"::equals);
            node.write("01\n");
            b.get(5, TimeUnit.SECONDS);
            assertThat(node.keepAliveFor(1000)).as("nothing after the ACKs").isEmpty();
        }
    }

    @Test
    void L20_L10_exactlyOnceInOrderBothWays_acrossDroppedLinks() throws Exception {
        int n = 30;
        try (TestGateway gw = new TestGateway(new ServerConfig().timeoutMs(400))) {
            List<String> atNode = new CopyOnWriteArrayList<>();
            io.esplink.core.EspLinkClient[] holder = new io.esplink.core.EspLinkClient[1];
            holder[0] = gw.node("node", payload -> {
                atNode.add(payload);
                if (atNode.size() == 10) {
                    holder[0].dropLink();
                }
            });
            EspLinkClient client = holder[0];
            gw.onMessage(m -> {
                if (m.payload().equals("n20")) {
                    client.dropLink();
                }
            });
            await().atMost(WAIT).until(client::isUp);
            List<CompletableFuture<Void>> up = IntStream.range(0, n).mapToObj(i -> client.send("n" + i))
                    .collect(Collectors.toList());
            List<CompletableFuture<Void>> down = IntStream.range(0, n)
                    .mapToObj(i -> gw.send("node", "g" + i, true, true, 0)).collect(Collectors.toList());

            CompletableFuture.allOf(up.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
            CompletableFuture.allOf(down.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
            List<String> expectedUp = IntStream.range(0, n).mapToObj(i -> "n" + i).collect(Collectors.toList());
            List<String> expectedDown = IntStream.range(0, n).mapToObj(i -> "g" + i).collect(Collectors.toList());
            await().atMost(WAIT).until(() -> gw.messages.size() >= n && atNode.size() >= n);
            assertThat(gw.messages.stream().map(InboundMessage::payload)).containsExactlyElementsOf(expectedUp);
            assertThat(atNode).containsExactlyElementsOf(expectedDown);
            // both links were really dropped: the second drop may come after the last message got through (the
            // gateway ACKs before its handler runs), so wait for the reconnection it causes
            await().atMost(WAIT).until(() -> client.connects() >= 3);
            assertThat(client.outages()).isGreaterThanOrEqualTo(2);
        }
    }
}
