package io.esplink.camel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.util.concurrent.DefaultEventExecutorGroup;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Component option routeOnEventLoop: the routes of node messages run on the I/O thread of the node's connection
 * (esplink-io), not on esplink-delivery, and everything the protocol promises still holds: each node's messages in
 * order, every message echoed once, the echo's ACK completing the exchange.
 */
class RouteOnEventLoopTest extends EspLinkTestSupport {

    private final List<String> threads = new CopyOnWriteArrayList<>();

    private void startEcho() throws Exception {
        context.getComponent("esplink", EspLinkComponent.class).setRouteOnEventLoop(true);
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=1000"))
                        .process(e -> threads.add(Thread.currentThread().getName()))
                        .to(esplink("timeout=1000"));
            }
        });
    }

    @Test
    void routeOnEventLoop_theRouteRunsOnTheNodesIoThread_andEchoesEachMessageOnceInOrder() throws Exception {
        startEcho();
        List<TestNode> nodes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            nodes.add(upNode("n" + i, 1000));
        }
        int perNode = 200;
        for (int k = 0; k < perNode; k++) {
            for (int i = 0; i < nodes.size(); i++) {
                // qos without wait: many in flight per node, as iot/client.py with wait=False
                nodes.get(i).client.send("n" + i + "-" + k, true, false);
            }
        }
        for (TestNode n : nodes) {
            n.awaitReceived(perNode);
        }
        for (int i = 0; i < nodes.size(); i++) {
            List<String> expected = new ArrayList<>();
            for (int k = 0; k < perNode; k++) {
                expected.add("n" + i + "-" + k);
            }
            assertThat(nodes.get(i).received).as("node n%d, echoes in the order sent, each once", i)
                    .containsExactlyElementsOf(expected);
        }
        assertThat(threads).hasSize(perNode * nodes.size()).allMatch(t -> t.endsWith("esplink-io"),
                "the route ran on an esplink-io thread");
    }

    @Test
    void routeOnEventLoop_withWait_twoNodesEachGetEveryEchoOnce_andEveryExchangeCompletesOnItsEchosAck()
            throws Exception {
        startEcho();
        TestNode a = upNode("a", 1000);
        TestNode b = upNode("b", 1000);
        Map<String, Integer> got = new ConcurrentHashMap<>();
        for (int k = 0; k < 50; k++) {
            a.client.send("a" + k, true, true);
            b.client.send("b" + k, true, true);
        }
        a.awaitReceived(50);
        b.awaitReceived(50);
        a.received.forEach(p -> got.merge(p, 1, Integer::sum));
        b.received.forEach(p -> got.merge(p, 1, Integer::sum));
        assertThat(got).hasSize(100).allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo(1));
        // every exchange completed (the echo's ACK came back): nothing left in flight
        await().atMost(WAIT).until(() -> context.getInflightRepository().size() == 0);
    }

    @Test
    void routeOnEventLoop_withADeliveryExecutorOfYourOwn_failsAtStartNamingBoth() {
        EspLinkComponent component = context.getComponent("esplink", EspLinkComponent.class);
        component.setRouteOnEventLoop(true);
        DefaultEventExecutorGroup own = new DefaultEventExecutorGroup(1);
        try {
            component.setDeliveryExecutor(own);
            assertThatThrownBy(() -> start(new RouteBuilder() {
                @Override
                public void configure() {
                    from(esplink("")).to("log:x");
                }
            })).hasStackTraceContaining("routeOnEventLoop").hasStackTraceContaining("deliveryExecutor");
        } finally {
            own.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
