package io.esplink.camel;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.esplink.testing.RawNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Node to route: one exchange per delivered message, with the documented headers; connection events. */
class ConsumerRouteTest extends EspLinkTestSupport {

    @Test
    void nodeMessage_becomesOneExchangeWithPayloadBodyAndAllFourHeaders() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("")).to("mock:in");
            }
        });
        MockEndpoint in = mock("in");
        in.expectedBodiesReceived("{\"temp\": 21.5}", "second");

        TestNode n = upNode("kitchen-sensor", 2000);
        long before = System.currentTimeMillis();
        n.client.send("{\"temp\": 21.5}").get(10, TimeUnit.SECONDS);
        n.client.send("second").get(10, TimeUnit.SECONDS);

        in.assertIsSatisfied();
        List<Exchange> got = in.getReceivedExchanges();
        for (int i = 0; i < 2; i++) {
            Message m = got.get(i).getMessage();
            assertThat(m.getBody()).isInstanceOf(String.class);
            assertThat(m.getHeader(EspLinkConstants.CLIENT_ID)).isEqualTo("kitchen-sensor");
            // L8: a node numbers its messages 0, 1, ... from its start
            assertThat(m.getHeader(EspLinkConstants.MESSAGE_ID)).isEqualTo(i);
            assertThat(m.getHeader(EspLinkConstants.CONNECT_COUNT)).isEqualTo(1);
            String remote = m.getHeader(EspLinkConstants.REMOTE_ADDRESS, String.class);
            assertThat(remote).matches("127\\.0\\.0\\.1:\\d+").isNotEqualTo(address());
            assertThat(m.getHeader(EspLinkConstants.EVENT)).isNull();
            // when the gateway received it: Camel's message timestamp
            assertThat(m.getMessageTimestamp()).isBetween(before, System.currentTimeMillis());
        }
        assertThat(got.get(0).getMessage().getHeader(EspLinkConstants.REMOTE_ADDRESS))
                .isEqualTo(server().node("kitchen-sensor").remoteAddress());
    }

    @Test
    void events_connectedThenMessageThenDisconnectedWithReasonWhenNodeCloses() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("events=true")).to("mock:all");
            }
        });
        MockEndpoint all = mock("all");
        all.expectedMessageCount(3);

        TestNode n = upNode("n1", 2000);
        n.client.send("hello").get(10, TimeUnit.SECONDS);
        n.client.close();

        all.assertIsSatisfied();
        List<Exchange> got = all.getReceivedExchanges();

        Message connected = got.get(0).getMessage();
        assertThat(connected.getHeader(EspLinkConstants.EVENT)).isEqualTo("CONNECTED");
        assertThat(connected.getHeader(EspLinkConstants.EVENT_REASON)).isEqualTo("connected");
        assertThat(connected.getHeader(EspLinkConstants.CLIENT_ID)).isEqualTo("n1");
        assertThat(connected.getHeader(EspLinkConstants.CONNECT_COUNT)).isEqualTo(1);
        assertThat(connected.getHeader(EspLinkConstants.REMOTE_ADDRESS, String.class)).startsWith("127.0.0.1:");

        Message message = got.get(1).getMessage();
        assertThat(message.getBody()).isEqualTo("hello");
        assertThat(message.getHeader(EspLinkConstants.EVENT)).isNull();

        Message disconnected = got.get(2).getMessage();
        assertThat(disconnected.getHeader(EspLinkConstants.EVENT)).isEqualTo("DISCONNECTED");
        assertThat(disconnected.getHeader(EspLinkConstants.CLIENT_ID)).isEqualTo("n1");
        assertThat(disconnected.getHeader(EspLinkConstants.EVENT_REASON, String.class)).isEqualTo("closed by peer");
    }

    @Test
    void events_silentNodeIsDisconnectedWithTimeoutReason_L13() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("events=true&timeout=500")).to("mock:events");
            }
        });
        MockEndpoint events = mock("events");
        events.expectedMessageCount(2);

        RawNode raw = raw();
        raw.write("mute\n"); // its ID, then nothing at all, not even a keepalive
        assertThat(raw.closedWithin(5000)).as("gateway closes a silent node after the timeout").isTrue();

        events.assertIsSatisfied();
        Message connected = events.getReceivedExchanges().get(0).getMessage();
        Message disconnected = events.getReceivedExchanges().get(1).getMessage();
        assertThat(connected.getHeader(EspLinkConstants.EVENT)).isEqualTo("CONNECTED");
        assertThat(disconnected.getHeader(EspLinkConstants.EVENT)).isEqualTo("DISCONNECTED");
        assertThat(disconnected.getHeader(EspLinkConstants.CLIENT_ID)).isEqualTo("mute");
        assertThat(disconnected.getHeader(EspLinkConstants.EVENT_REASON, String.class))
                .startsWith("timeout").contains("500 ms");
    }

    @Test
    void messageNoConsumerWants_isNotAcknowledged_andReachesAConsumerStartedLater_once() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("clientId=n1&timeout=500")).routeId("first").to("mock:first");
                // keeps the shared server (and the node's link) up while "first" is stopped
                from(esplink("clientId=someone-else&timeout=500")).to("mock:other");
            }
        });
        TestNode n = upNode("n1", 500);
        // past ID 0 first: a resend of message 0 is always delivered again (L10), which would blur "once"
        MockEndpoint first = mock("first");
        first.expectedBodiesReceived("warm-up");
        n.client.send("warm-up").get(10, TimeUnit.SECONDS);
        first.assertIsSatisfied();
        context.getRouteController().stopRoute("first");

        CompletableFuture<Void> sent = n.client.send("early");
        await().atMost(WAIT).until(() -> n.client.retransmissions() >= 1);
        assertThat(sent).as("the node keeps it").isNotDone();
        assertThat(server().node("n1").undeliverable()).isGreaterThanOrEqualTo(1);

        MockEndpoint late = mock("late");
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("clientId=n1&timeout=500")).to("mock:late");
            }
        });
        sent.get(10, TimeUnit.SECONDS);
        n.client.send("after").get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> late.getReceivedCounter() >= 2);
        assertThat(late.getReceivedExchanges()).extracting(e -> e.getMessage().getBody(String.class))
                .containsExactly("early", "after");
        assertThat(mock("other").getReceivedCounter()).isZero();
    }
}
