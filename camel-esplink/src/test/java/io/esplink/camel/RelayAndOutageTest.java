package io.esplink.camel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.camel.AsyncProducer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.service.ServiceHelper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Node to node through a route, answering the sender, and streams that survive a cut link (L13, L20, L21). */
class RelayAndOutageTest extends EspLinkTestSupport {

    /** Short, so that a node reconnects (2 x timeout, L13) within a second. */
    private static final long TIMEOUT = 500;
    private static final int STREAM = 40;

    @Test
    void relay_messagesOfNodeAGoToNodeB_inOrder() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("clientId=a")).to(esplink("clientId=b"));
            }
        });
        TestNode a = upNode("a", 2000);
        TestNode b = node("b", 2000);

        a.client.send("ping-1").get(10, TimeUnit.SECONDS);
        a.client.send("ping-2").get(10, TimeUnit.SECONDS);

        b.awaitReceived(2);
        assertThat(b.received).containsExactly("ping-1", "ping-2");
        assertThat(a.received).isEmpty();
        assertThat(server().node("a").messagesOut()).as("nothing was sent back to the sender").isZero();
    }

    @Test
    void echoRouteWithoutProducerClientId_answersTheSender() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("")).transform(simple("echo:${body}")).to(esplink(""));
            }
        });
        TestNode a = upNode("a", 2000);
        TestNode b = upNode("b", 2000);

        a.client.send("from-a").get(10, TimeUnit.SECONDS);
        b.client.send("from-b").get(10, TimeUnit.SECONDS);
        a.client.send("again-a").get(10, TimeUnit.SECONDS);

        a.awaitReceived(2);
        b.awaitReceived(1);
        assertThat(a.received).containsExactly("echo:from-a", "echo:again-a");
        assertThat(b.received).containsExactly("echo:from-b");
    }

    @Test
    void explicitClientIdHeaderToAnotherNode_winsOverAnsweringTheSender() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("clientId=a"))
                        .setHeader(EspLinkConstants.CLIENT_ID, constant("b"))
                        .to(esplink(""));
            }
        });
        TestNode a = upNode("a", 2000);
        TestNode b = node("b", 2000);

        a.client.send("for-b").get(10, TimeUnit.SECONDS);

        b.awaitReceived(1);
        assertThat(b.received).containsExactly("for-b");
        assertThat(a.received).isEmpty();
        assertThat(server().node("a").messagesOut()).isZero();
    }

    @Test
    void nodeToRoute_linkCutMidStream_nothingLostNothingTwiceInOrder_L20() throws Exception {
        AtomicReference<TestNode> node = new AtomicReference<>();
        AtomicBoolean cut = new AtomicBoolean();
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=" + TIMEOUT))
                        .process(e -> {
                            if ("m10".equals(e.getMessage().getBody()) && cut.compareAndSet(false, true)) {
                                node.get().client.dropLink();
                            }
                        })
                        .to("mock:in");
            }
        });
        MockEndpoint in = mock("in");
        TestNode n = upNode("n1", TIMEOUT);
        node.set(n);

        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < STREAM; i++) {
            sends.add(n.client.send("m" + i));
        }
        CompletableFuture.allOf(sends.toArray(new CompletableFuture[0])).get(20, TimeUnit.SECONDS);
        // a last message after every ACK: anything delivered twice would show up before it
        n.client.send("end").get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> in.getReceivedCounter() >= STREAM + 1);

        List<String> expected = IntStream.range(0, STREAM).mapToObj(i -> "m" + i).collect(Collectors.toList());
        expected.add("end");
        List<Exchange> got = in.getReceivedExchanges();
        assertThat(got).extracting(e -> e.getMessage().getBody(String.class)).containsExactlyElementsOf(expected);
        // L8/L20: a resent message keeps its ID, so the IDs run 0, 1, 2, ... without a gap
        assertThat(got).extracting(e -> e.getMessage().getHeader(EspLinkConstants.MESSAGE_ID))
                .containsExactlyElementsOf(IntStream.rangeClosed(0, STREAM).boxed().collect(Collectors.toList()));
        assertThat(cut).isTrue();
        assertThat(n.client.outages()).isEqualTo(1);
        assertThat(got.get(0).getMessage().getHeader(EspLinkConstants.CONNECT_COUNT)).isEqualTo(1);
        assertThat(got.get(STREAM).getMessage().getHeader(EspLinkConstants.CONNECT_COUNT)).isEqualTo(2);
    }

    @Test
    void routeToNode_linkCutMidStream_nothingLostNothingTwiceInOrder_L20_L21() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                // nothing: the test drives the producer itself, to queue the whole stream at once
            }
        });
        // the producer is the gateway's only user here: it runs from its start to its stop
        Endpoint endpoint = context.getEndpoint(esplink("clientId=n1&timeout=" + TIMEOUT));
        AsyncProducer producer = endpoint.createAsyncProducer();
        ServiceHelper.startService(producer);
        try {
            AtomicBoolean cut = new AtomicBoolean();
            TestNode n = node("n1", TIMEOUT, (node, payload) -> {
                if ("m10".equals(payload) && cut.compareAndSet(false, true)) {
                    node.client.dropLink();
                }
            });

            // queued all at once, in order; wait (L21) lets one at a time go out
            List<Exchange> exchanges = new ArrayList<>();
            List<CompletableFuture<Exchange>> done = new ArrayList<>();
            for (int i = 0; i <= STREAM; i++) {
                Exchange ex = endpoint.createExchange();
                ex.getMessage().setBody(i < STREAM ? "m" + i : "end");
                CompletableFuture<Exchange> f = new CompletableFuture<>();
                producer.process(ex, doneSync -> f.complete(ex));
                exchanges.add(ex);
                done.add(f);
            }
            CompletableFuture.allOf(done.toArray(new CompletableFuture[0])).get(20, TimeUnit.SECONDS);
            assertThat(exchanges).allSatisfy(ex -> assertThat(ex.getException()).isNull());

            List<String> expected = IntStream.range(0, STREAM).mapToObj(i -> "m" + i).collect(Collectors.toList());
            expected.add("end");
            n.awaitReceived(STREAM + 1);
            assertThat(n.received).containsExactlyElementsOf(expected);
            assertThat(cut).isTrue();
            assertThat(n.client.outages()).isEqualTo(1);
            assertThat(server().node("n1").connectCount()).isEqualTo(2);
            assertThat(server().node("n1").pending()).isZero();
        } finally {
            ServiceHelper.stopService(producer);
        }
    }
}
