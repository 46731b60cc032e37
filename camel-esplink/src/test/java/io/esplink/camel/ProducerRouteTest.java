package io.esplink.camel;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.esplink.core.SendTimeoutException;
import io.esplink.testing.RawNode;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Route to node: delivery on ACK, broadcast, send timeouts, payload checks and JSON bodies. */
class ProducerRouteTest extends EspLinkTestSupport {

    private void routes() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:n1").to(esplink("clientId=n1"));
                from("direct:raw1").to(esplink("clientId=raw1"));
                from("direct:all").to(esplink("clientId=*"));
                from("direct:noTarget").to(esplink(""));
                from("direct:ghost").to(esplink("clientId=ghost&sendTimeout=300"));
                from("direct:mute").to(esplink("clientId=mute&sendTimeout=1000"));
            }
        });
    }

    private Exchange send(String uri, Object body) {
        return template.request(uri, e -> e.getMessage().setBody(body));
    }

    @Test
    void routeToNode_exchangeCompletesOnlyWhenTheNodeAcks_L20() throws Exception {
        routes();
        RawNode raw = raw();
        raw.write("raw1\n");
        assertThat(raw.readLine(3000)).as("L14: a keepalive right after the ID").isEqualTo("");
        raw.write("\n"); // the node's first bytes: messages may follow after the L15 hold

        CompletableFuture<Exchange> exchange = template.asyncSend("direct:raw1", e -> e.getMessage().setBody("hello"));

        assertThat(raw.readNonKeepalive(3000)).as("L5/L8: the gateway's first message has ID 00").isEqualTo("00hello");
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> !exchange.isDone());

        raw.write("00\n"); // the ACK
        Exchange done = exchange.get(5, TimeUnit.SECONDS);
        assertThat(done.getException()).isNull();
    }

    @Test
    void routeToNode_javaNodeReceivesEachMessageExactlyOnceBeforeTheExchangeCompletes() throws Exception {
        routes();
        TestNode n1 = node("n1", 2000); // not waited for: the message waits in the node's session

        Exchange first = send("direct:n1", "hello");
        assertThat(first.getException()).isNull();
        assertThat(n1.client.received()).as("the node had it when the exchange completed").isEqualTo(1);

        Exchange second = send("direct:n1", "again");
        assertThat(second.getException()).isNull();

        n1.awaitReceived(2);
        assertThat(n1.received).containsExactly("hello", "again");
        assertThat(n1.client.duplicates()).isZero();
        assertThat(server().node("n1").messagesOut()).isEqualTo(2);
        assertThat(server().node("n1").retransmissions()).isZero();
    }

    @Test
    void broadcast_starSendsToEveryConnectedNodeOnce_andListsTheRecipients() throws Exception {
        routes();
        TestNode a = upNode("a", 2000);
        TestNode b = upNode("b", 2000);
        TestNode c = upNode("c", 2000);

        Exchange ex = send("direct:all", "to-all");

        assertThat(ex.getException()).isNull();
        assertThat(ex.getMessage().getHeader(EspLinkConstants.RECIPIENTS, List.class)).containsExactly("a", "b", "c");
        for (TestNode n : List.of(a, b, c)) {
            assertThat(n.client.received()).isEqualTo(1);
        }

        // the header * broadcasts too; it also shows nothing else arrived in between
        Exchange viaHeader = template.request("direct:noTarget", e -> {
            e.getMessage().setBody("second");
            e.getMessage().setHeader(EspLinkConstants.CLIENT_ID, "*");
        });
        assertThat(viaHeader.getException()).isNull();
        assertThat(viaHeader.getMessage().getHeader(EspLinkConstants.RECIPIENTS, List.class))
                .containsExactly("a", "b", "c");
        for (TestNode n : List.of(a, b, c)) {
            n.awaitReceived(2);
            assertThat(n.received).containsExactly("to-all", "second");
            assertThat(n.client.duplicates()).isZero();
        }
    }

    @Test
    void broadcast_withNoNodeConnected_completesWithNoRecipients() throws Exception {
        routes();
        Exchange ex = send("direct:all", "nobody");
        assertThat(ex.getException()).isNull();
        assertThat(ex.getMessage().getHeader(EspLinkConstants.RECIPIENTS, List.class)).isEmpty();
    }

    @Test
    void sendTimeout_toAbsentNode_failsWithSendTimeoutException_andTheMessageIsWithdrawn() throws Exception {
        routes();
        long t0 = System.nanoTime();
        Exchange ex = send("direct:ghost", "lost");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertThat(ex.getException()).isInstanceOf(SendTimeoutException.class)
                .hasMessageContaining("ghost").hasMessageContaining("300 ms");
        SendTimeoutException ste = (SendTimeoutException) ex.getException();
        assertThat(ste.wasSent()).isFalse();
        assertThat(ste.getClientId()).isEqualTo("ghost");
        assertThat(ms).isBetween(250L, 5000L);

        // the node comes later: it gets only what was sent after the timeout
        TestNode ghost = node("ghost", 2000);
        assertThat(template.request(esplink("clientId=ghost"), e -> e.getMessage().setBody("later")).getException())
                .isNull();
        ghost.awaitReceived(1);
        assertThat(ghost.received).containsExactly("later");
    }

    @Test
    void sendTimeout_nodeThatNeverAcks_failsWithSendTimeoutExceptionMarkedSent() throws Exception {
        routes();
        RawNode raw = raw();
        raw.write("mute\n");
        assertThat(raw.readLine(3000)).isEqualTo("");
        raw.write("\n");

        CompletableFuture<Exchange> exchange = template.asyncSend("direct:mute", e -> e.getMessage().setBody("ping"));
        assertThat(raw.readNonKeepalive(3000)).isEqualTo("00ping");
        raw.write("\n"); // alive, but never ACKs

        Exchange done = exchange.get(5, TimeUnit.SECONDS);
        assertThat(done.getException()).isInstanceOf(SendTimeoutException.class);
        assertThat(((SendTimeoutException) done.getException()).wasSent()).isTrue();
    }

    @Test
    void invalidBodiesAndMissingTarget_failWithIllegalArgumentException_andNothingReachesTheNode() throws Exception {
        routes();
        TestNode n1 = upNode("n1", 2000);

        assertThat(send("direct:n1", "").getException())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty").hasMessageContaining("L5");
        assertThat(send("direct:n1", null).getException())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty").hasMessageContaining("L5");
        assertThat(send("direct:n1", "line one\nline two").getException())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("newline")
                .hasMessageContaining("L2");
        assertThat(send("direct:noTarget", "to whom?").getException())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clientId")
                .hasMessageContaining(EspLinkConstants.CLIENT_ID);

        assertThat(send("direct:n1", "ok").getException()).isNull();
        n1.awaitReceived(1);
        assertThat(n1.received).containsExactly("ok");
        assertThat(server().node("n1").messagesOut()).isEqualTo(1);
    }

    @Test
    void mapListAndJsonNodeBodies_arriveAsJson() throws Exception {
        routes();
        TestNode n1 = node("n1", 2000);
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("temp", 21.5);
        map.put("unit", "C");

        assertThat(send("direct:n1", map).getException()).isNull();
        assertThat(send("direct:n1", List.of(1, 2, 3)).getException()).isNull();
        assertThat(send("direct:n1", new ObjectMapper().createObjectNode().put("on", true)).getException()).isNull();

        n1.awaitReceived(3);
        assertThat(n1.received).containsExactly("{\"temp\":21.5,\"unit\":\"C\"}", "[1,2,3]", "{\"on\":true}");
    }

    @Test
    void clientIdHeader_winsOverTheClientIdOption() throws Exception {
        routes();
        TestNode n1 = node("n1", 2000);
        TestNode other = node("other", 2000);

        Exchange ex = template.request("direct:n1", e -> {
            e.getMessage().setBody("for-other");
            e.getMessage().setHeader(EspLinkConstants.CLIENT_ID, "other");
        });
        assertThat(ex.getException()).isNull();
        assertThat(send("direct:n1", "for-n1").getException()).isNull();

        other.awaitReceived(1);
        n1.awaitReceived(1);
        assertThat(other.received).containsExactly("for-other");
        assertThat(n1.received).containsExactly("for-n1");
    }
}
