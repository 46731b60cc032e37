package io.esplink.camel;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several consumers on one address each receive every message. With ackMode=processed the node's message is ACKed
 * once all of them succeeded; a resend after a failure goes only to the consumers that have not succeeded.
 */
class FanOutTest extends EspLinkTestSupport {

    private static final long TIMEOUT = 500;

    private final Map<String, Integer> storeAttempts = new ConcurrentHashMap<>();
    private final List<String> published = new CopyOnWriteArrayList<>();

    @Test
    void processedFanOut_failureInOneConsumer_resendGoesOnlyToIt_andEachStoresOnce() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("ackMode=processed&timeout=" + TIMEOUT)).routeId("store")
                        .process(e -> {
                            String body = e.getMessage().getBody(String.class);
                            if (storeAttempts.merge(body, 1, Integer::sum) == 1 && body.equals("r1")) {
                                throw new IllegalStateException("database down (first attempt)");
                            }
                        })
                        .to("mock:stored");
                from(esplink("ackMode=processed&timeout=" + TIMEOUT)).routeId("publish")
                        .process(e -> published.add(e.getMessage().getBody(String.class)));
            }
        });
        MockEndpoint stored = mock("stored");
        stored.expectedBodiesReceived("r1", "r2");
        TestNode n = upNode("n1", TIMEOUT);

        // completes only when both routes succeeded: after the node's resend of r1
        n.client.send("r1").get(10, TimeUnit.SECONDS);
        assertThat(n.client.retransmissions()).isGreaterThanOrEqualTo(1);
        n.client.send("r2").get(10, TimeUnit.SECONDS);

        stored.assertIsSatisfied();
        assertThat(storeAttempts).containsEntry("r1", 2).containsEntry("r2", 1);
        await().atMost(WAIT).until(() -> published.size() >= 2);
        assertThat(published).as("the publisher succeeded the first time: never given r1 again")
                .containsExactly("r1", "r2");
    }

    @Test
    void processedAndReceivedMixed_messageAckedOnlyAfterProcessedSucceeds_receivedSeesItOnce() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("ackMode=processed&timeout=" + TIMEOUT))
                        .process(e -> {
                            String body = e.getMessage().getBody(String.class);
                            if (storeAttempts.merge(body, 1, Integer::sum) == 1) {
                                throw new IllegalStateException("fails the first time");
                            }
                        })
                        .to("mock:stored");
                from(esplink("timeout=" + TIMEOUT)).to("mock:logged");
            }
        });
        mock("stored").expectedBodiesReceived("x");
        mock("logged").expectedBodiesReceived("x");
        TestNode n = upNode("n1", TIMEOUT);

        n.client.send("x").get(10, TimeUnit.SECONDS);

        assertThat(storeAttempts).containsEntry("x", 2);
        assertThat(n.client.retransmissions()).isGreaterThanOrEqualTo(1);
        MockEndpoint.assertIsSatisfied(context);
    }

    @Test
    void eventsOnlyConsumer_getsEventsButNoMessages_andDoesNotHoldTheAck() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("events=true&messages=false&ackMode=processed&timeout=" + TIMEOUT)).to("mock:presence");
                from(esplink("timeout=" + TIMEOUT)).to("mock:messages");
            }
        });
        MockEndpoint presence = mock("presence");
        presence.expectedMessageCount(1);
        presence.expectedHeaderReceived(EspLinkConstants.EVENT, "CONNECTED");
        mock("messages").expectedBodiesReceived("hello");

        TestNode n = upNode("n1", TIMEOUT);
        n.client.send("hello").get(10, TimeUnit.SECONDS);

        MockEndpoint.assertIsSatisfied(context);
        assertThat(presence.getReceivedExchanges())
                .extracting(e -> e.getMessage().getHeader(EspLinkConstants.EVENT)).containsOnly("CONNECTED");
    }

    @Test
    void consumerStoppedWhileMessageFailedInIt_resendIsAckedWithoutRedeliveringToTheOthers() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("ackMode=processed&timeout=" + TIMEOUT)).routeId("flaky")
                        .throwException(new IllegalStateException("always fails"));
                from(esplink("ackMode=processed&timeout=" + TIMEOUT)).routeId("good").to("mock:good");
            }
        });
        MockEndpoint good = mock("good");
        good.expectedBodiesReceived("y");
        TestNode n = upNode("n1", TIMEOUT);

        var sent = n.client.send("y");
        good.assertIsSatisfied();
        await().atMost(WAIT).until(() -> n.client.retransmissions() >= 1);
        assertThat(sent).isNotDone();

        context.getRouteController().stopRoute("flaky");
        sent.get(10, TimeUnit.SECONDS);
        assertThat(good.getReceivedCounter()).isEqualTo(1);
    }
}
