package io.esplink.camel;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.esplink.testing.RawNode;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.Service;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.DefaultEndpoint;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node port of an address opens once every route of the context has started and closes as soon as the context
 * begins to stop: a node message never meets only some of the consumers of its address, such as a consumer that
 * acknowledges on receipt without the one that stores it.
 */
class AddressLifecycleTest extends EspLinkTestSupport {

    private static final long TIMEOUT = 1000;

    /** A step whose stop waits for the test. */
    static final class Gate implements Processor, Service {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void process(Exchange exchange) {
        }

        @Override
        public void start() {
        }

        @Override
        public void stop() {
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private RouteBuilder stopGated(Gate gate) {
        return new RouteBuilder() {
            @Override
            public void configure() {
                // acknowledges on receipt, and starts first
                from(esplink("timeout=" + TIMEOUT)).routeId("log").startupOrder(1).to("mock:log");
                // the store: processed, and slow to start or to stop
                from(esplink("ackMode=processed&timeout=" + TIMEOUT)).routeId("store").startupOrder(2)
                        .process(gate).to("mock:stored");
            }
        };
    }

    @Test
    void nodePortAcceptsOnlyOnceEveryRouteStarted_soTheStoreGetsTheFirstMessage() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // a consumer between the two esplink ones that takes its time to start
        context.addComponent("slow", new DefaultComponent() {
            @Override
            protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) {
                return new DefaultEndpoint(uri, this) {
                    @Override
                    public Producer createProducer() {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public Consumer createConsumer(Processor processor) {
                        return new DefaultConsumer(this, processor) {
                            @Override
                            protected void doStart() throws Exception {
                                entered.countDown();
                                release.await(30, TimeUnit.SECONDS);
                            }
                        };
                    }
                };
            }
        });
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=" + TIMEOUT)).routeId("log").startupOrder(1).to("mock:log");
                from("slow:start").routeId("slow").startupOrder(2).to("mock:slow");
                from(esplink("ackMode=processed&timeout=" + TIMEOUT)).routeId("store").startupOrder(3)
                        .to("mock:stored");
            }
        });
        CompletableFuture<Void> starting = CompletableFuture.runAsync(() -> context.start());
        try {
            assertThat(entered.await(10, TimeUnit.SECONDS)).as("the routes are starting").isTrue();
            // the log route's consumer is up and the address bound; a node connects and sends at once
            RawNode n = raw();
            n.write("n1\n00first\n");
            assertThat(n.readNonKeepalive(TIMEOUT / 2)).as("nothing read while the store is not there").isNull();
        } finally {
            release.countDown();
        }
        starting.get(10, TimeUnit.SECONDS);
        MockEndpoint stored = mock("stored");
        stored.expectedBodiesReceived("first");
        stored.assertIsSatisfied();
        mock("log").expectedBodiesReceived("first");
        mock("log").assertIsSatisfied();
    }

    @Test
    void nodeConnectionsCloseWhenTheContextBeginsToStop_beforeAnyConsumerGoes() throws Exception {
        Gate gate = new Gate();
        start(stopGated(gate));
        RawNode n = raw();
        n.write("n1\n00a\n");
        assertThat(n.readNonKeepalive(5000)).isEqualTo("00");
        assertThat(mock("log").getReceivedCounter()).isEqualTo(1);

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> context.stop());
        assertThat(gate.entered.await(10, TimeUnit.SECONDS)).as("the store route is stopping").isTrue();
        // the store's consumer is gone, the log route's not yet: the node must not be able to deliver now
        assertThat(n.closedWithin(5000)).as("the node's link was closed when stopping began").isTrue();
        gate.release.countDown();
        stopping.get(10, TimeUnit.SECONDS);
    }
}
