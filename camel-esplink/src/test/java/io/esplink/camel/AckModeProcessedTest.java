package io.esplink.camel;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ackMode=processed ACKs a node's message only after the route succeeded, so a failed route makes the node resend;
 * ackMode=received (the reference's behaviour) ACKs on receipt, so the same failure loses the message.
 */
class AckModeProcessedTest extends EspLinkTestSupport {

    private static final long TIMEOUT = 500;

    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();

    /** A route whose store fails the first time it sees "order-1" and works otherwise. */
    private void startFailingOnce(String ackMode) throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("ackMode=" + ackMode + "&timeout=" + TIMEOUT))
                        .process(e -> {
                            String body = e.getMessage().getBody(String.class);
                            int attempt = attempts.merge(body, 1, Integer::sum);
                            if ("order-1".equals(body) && attempt == 1) {
                                throw new IllegalStateException("store unavailable (first attempt)");
                            }
                        })
                        .to("mock:stored");
            }
        });
    }

    @Test
    void ackModeProcessed_failedRouteMakesNodeResend_andMessageIsStoredOnce() throws Exception {
        startFailingOnce("processed");
        MockEndpoint stored = mock("stored");
        TestNode n = upNode("n1", TIMEOUT);

        // completes only once the gateway ACKed, i.e. after the second, successful attempt
        n.client.send("order-1").get(10, TimeUnit.SECONDS);
        assertThat(attempts.get("order-1")).isEqualTo(2);
        assertThat(n.client.retransmissions()).isGreaterThanOrEqualTo(1);

        n.client.send("order-2").get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> stored.getReceivedCounter() >= 2);
        assertThat(stored.getReceivedExchanges()).extracting(e -> e.getMessage().getBody(String.class))
                .containsExactly("order-1", "order-2");
        // the route saw the node's retransmission: the same message ID again
        assertThat(stored.getReceivedExchanges()).extracting(e -> e.getMessage().getHeader(EspLinkConstants.MESSAGE_ID))
                .containsExactly(0, 1);
        assertThat(attempts.get("order-1")).isEqualTo(2);
    }

    @Test
    void ackModeReceived_failedRouteLosesTheMessage_nodeSendCompletesAnyway() throws Exception {
        startFailingOnce("received");
        MockEndpoint stored = mock("stored");
        TestNode n = upNode("n1", TIMEOUT);

        n.client.send("order-1").get(10, TimeUnit.SECONDS); // ACKed on receipt (L9)
        await().atMost(WAIT).until(() -> attempts.containsKey("order-1"));

        n.client.send("order-2").get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> stored.getReceivedCounter() >= 1);
        assertThat(stored.getReceivedExchanges()).extracting(e -> e.getMessage().getBody(String.class))
                .containsExactly("order-2");
        assertThat(attempts.get("order-1")).as("never retried").isEqualTo(1);
        assertThat(n.client.retransmissions()).isZero();
    }

    @Test
    void ackModeProcessed_resendArrivingWhileFirstCopyIsInTheRoute_isNeitherProcessedTwiceNorLost() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("ackMode=processed&timeout=" + TIMEOUT))
                        .process(e -> {
                            String body = e.getMessage().getBody(String.class);
                            attempts.merge(body, 1, Integer::sum);
                            if ("slow".equals(body)) {
                                assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
                            }
                        })
                        .to("mock:stored");
            }
        });
        MockEndpoint stored = mock("stored");
        TestNode n = upNode("n1", TIMEOUT);
        // past ID 0 first: a node's message 0 is always delivered, even when it is a resend (L10), so a resend of
        // it that crosses the ACK on the wire would rightly be routed again
        n.client.send("first").get(10, TimeUnit.SECONDS);

        CompletableFuture<Void> slow = n.client.send("slow");
        // the node gets no ACK within its timeout and resends while the first copy is still in the route
        await().atMost(WAIT).until(() -> n.client.retransmissions() >= 1);
        assertThat(slow).isNotDone();
        release.countDown();
        slow.get(10, TimeUnit.SECONDS);

        n.client.send("next").get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> stored.getReceivedCounter() >= 3);
        assertThat(stored.getReceivedExchanges()).extracting(e -> e.getMessage().getBody(String.class))
                .containsExactly("first", "slow", "next");
        assertThat(attempts.get("slow")).as("the resend was not routed").isEqualTo(1);
    }
}
