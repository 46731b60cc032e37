package io.esplink.camel;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

import io.esplink.core.EspLinkClient;
import io.esplink.core.EspLinkServer;
import io.esplink.core.NodeView;
import io.esplink.core.NodeView;
import io.esplink.testing.RawNode;
import io.esplink.testing.RecordingNode;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import static org.awaitility.Awaitility.await;

/**
 * A fresh CamelContext per test on a free loopback port (property {@code port}), with helpers for Java node clients
 * and raw-socket nodes that are all closed after the test. Each test adds its own routes and calls {@link #start}.
 */
abstract class EspLinkTestSupport {

    static final String HOST = "127.0.0.1";
    /** Long enough for a loaded machine, short enough that a failing test does not hang. */
    static final Duration WAIT = Duration.ofSeconds(10);

    protected int port;
    protected DefaultCamelContext context;
    protected ProducerTemplate template;

    private final List<TestNode> nodes = new CopyOnWriteArrayList<>();
    private final List<RawNode> raws = new CopyOnWriteArrayList<>();

    @BeforeEach
    void createContext() {
        port = AvailablePortFinder.getNextAvailable();
        context = new DefaultCamelContext();
        context.getPropertiesComponent().addInitialProperty("port", String.valueOf(port));
    }

    @AfterEach
    void closeEverything() throws IOException {
        for (TestNode n : nodes) {
            n.client.close();
        }
        for (RawNode r : raws) {
            r.close();
        }
        if (template != null) {
            template.stop();
        }
        context.stop();
    }

    /** The esplink URI of this test's port, with {@code options} (may be empty) as its query. */
    String esplink(String options) {
        return "esplink:" + HOST + ":" + port + (options == null || options.isEmpty() ? "" : "?" + options);
    }

    String address() {
        return HOST + ":" + port;
    }

    void start(RouteBuilder... builders) throws Exception {
        for (RouteBuilder b : builders) {
            context.addRoutes(b);
        }
        context.start();
        template = context.createProducerTemplate();
    }

    MockEndpoint mock(String name) {
        MockEndpoint m = context.getEndpoint("mock:" + name, MockEndpoint.class);
        m.setResultWaitTime(WAIT.toMillis());
        return m;
    }

    /** The gateway the component runs on this test's address. */
    EspLinkServer server() {
        EspLinkServer s = context.getComponent("esplink", EspLinkComponent.class).getServer(address());
        if (s == null) {
            throw new IllegalStateException("no esplink server on " + address());
        }
        return s;
    }

    /** Waits until the gateway has node {@code clientId} attached. */
    NodeView awaitAttached(String clientId) {
        await().atMost(WAIT).until(() -> {
            NodeView s = server().node(clientId);
            return s != null && s.connected();
        });
        return server().node(clientId);
    }

    /** A started Java node with link timeout {@code timeoutMs} that records every message it receives. */
    TestNode node(String clientId, long timeoutMs) {
        return node(clientId, timeoutMs, (n, payload) -> {
        });
    }

    /** As {@link #node(String, long)}; {@code hook} also sees every message, after it was recorded. */
    TestNode node(String clientId, long timeoutMs, BiConsumer<TestNode, String> hook) {
        EspLinkClient client = EspLinkClient.builder(HOST, port, clientId).timeoutMs(timeoutMs).build();
        TestNode n = new TestNode(client);
        nodes.add(n);
        client.onMessage(payload -> {
            n.received.add(payload);
            hook.accept(n, payload);
        });
        client.start();
        return n;
    }

    /** As {@link #node(String, long)}, and waits until its link is up (L14). */
    TestNode upNode(String clientId, long timeoutMs) {
        TestNode n = node(clientId, timeoutMs);
        n.awaitUp();
        return n;
    }

    RawNode raw() throws IOException {
        RawNode r = new RawNode(port);
        raws.add(r);
        return r;
    }

    /** A Java node client and what it received, in order, with this class's waits. */
    static final class TestNode extends RecordingNode {

        TestNode(EspLinkClient client) {
            super(client);
        }

        TestNode awaitUp() {
            awaitUp(WAIT);
            return this;
        }

        void awaitReceived(int count) {
            awaitReceived(count, WAIT);
        }
    }
}
