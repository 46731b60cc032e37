package io.esplink.camel;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.console.DevConsole;
import org.apache.camel.console.DevConsoleRegistry;
import org.apache.camel.util.json.JsonArray;
import org.apache.camel.util.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The esplink dev console, found through Camel's dev console registry by its generated service file, in text and
 * JSON: the address, its options and counters, and a page of its nodes with their last messages.
 */
class DevConsoleTest extends EspLinkTestSupport {

    private DevConsole console() {
        DevConsoleRegistry registry = context.getCamelContextExtension().getContextPlugin(DevConsoleRegistry.class);
        assertThat(registry).as("camel-console's registry").isNotNull();
        DevConsole console = registry.resolveById("esplink");
        assertThat(console).as("resolved from META-INF/services/org/apache/camel/dev-console/esplink").isNotNull();
        return console;
    }

    private JsonObject gateway(Map<String, Object> options) {
        JsonObject root = (JsonObject) console().call(DevConsole.MediaType.JSON, options);
        JsonArray gateways = root.getCollection("gateways");
        assertThat(gateways).hasSize(1);
        return (JsonObject) gateways.get(0);
    }

    private void startConsumer() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("timeout=2000&maxQueuedPerNode=7")).to("mock:in");
            }
        });
    }

    @Test
    void text_showsTheAddressItsOptionsCountersAndNodes() throws Exception {
        startConsumer();
        TestNode kitchen = upNode("kitchen", 2000);
        kitchen.client.send("{\"temp\": 21.5}").get(10, TimeUnit.SECONDS);
        kitchen.client.send("tab\there").get(10, TimeUnit.SECONDS);
        upNode("hall", 2000);

        assertThat(console().supportMediaType(DevConsole.MediaType.TEXT)).isTrue();
        String text = (String) console().call(DevConsole.MediaType.TEXT, Map.of());
        assertThat(text).contains("esplink gateway " + address() + ": accepting node connections, port " + port)
                .contains("maxQueuedPerNode=7").contains("timeout=2000")
                .contains("Connections: 2 open, 2 node(s) connected, 2 session(s)")
                .contains("Messages: in 2, duplicates 0, out 0, retransmissions 0")
                .contains("Nodes (2 known)")
                .contains("        hall: connected since ")
                .contains("        kitchen: connected since ")
                .contains(": tab\\u0009here"); // the last message, escaped
        assertThat(text.indexOf("hall:")).as("sorted by client ID").isLessThan(text.indexOf("kitchen:"));

        assertThat((String) console().call(DevConsole.MediaType.TEXT, Map.of(EspLinkDevConsole.PAYLOADS, "false")))
                .doesNotContain("tab\\u0009here");
        assertThat((String) console().call(DevConsole.MediaType.TEXT, Map.of(EspLinkDevConsole.ADDRESS, "nowhere:1")))
                .isEqualTo("No esplink gateway runs on nowhere:1.\n");
    }

    @Test
    void json_pagesThroughTheNodes_andFiltersConnectedOnes() throws Exception {
        startConsumer();
        TestNode a = upNode("a", 2000);
        upNode("b", 2000);
        TestNode c = upNode("c", 2000);
        String longPayload = "x".repeat(300);
        c.client.send(longPayload).get(10, TimeUnit.SECONDS);

        JsonObject first = gateway(Map.of(EspLinkDevConsole.LIMIT, "2"));
        assertThat(first.getString("address")).isEqualTo(address());
        assertThat(first.getBoolean("accepting")).isTrue();
        assertThat(first.getInteger("nodesConnected")).isEqualTo(3);
        Map<String, Object> options = first.getMap("options");
        assertThat(options).containsEntry("maxQueuedPerNode", 7).containsEntry("timeout", 2000L);
        Map<String, Object> stats = first.getMap("stats");
        assertThat(stats).containsEntry("messagesIn", 1L);
        assertThat(first.getInteger("nodesMatching")).isEqualTo(3);
        assertThat(ids(first)).containsExactly("a", "b");
        assertThat(first.getString("next")).isEqualTo("b");

        JsonObject second = gateway(Map.of(EspLinkDevConsole.LIMIT, "2", EspLinkDevConsole.AFTER, "b"));
        assertThat(ids(second)).containsExactly("c");
        assertThat(second.containsKey("next")).isFalse();
        JsonObject nodeC = node(second, 0);
        assertThat(nodeC.getString("lastPayload")).isEqualTo("x".repeat(100) + "...(300 characters)");
        assertThat(nodeC.getLong("messagesIn")).isEqualTo(1);
        assertThat(nodeC.getBoolean("connected")).isTrue();

        a.client.close();
        await().atMost(WAIT).until(() -> !server().node("a").connected());
        JsonObject connected = gateway(Map.of(EspLinkDevConsole.CONNECTED, "true"));
        assertThat(ids(connected)).containsExactly("b", "c");
        assertThat(connected.getInteger("nodesMatching")).isEqualTo(2);
        JsonObject one = gateway(Map.of(EspLinkDevConsole.CLIENT_ID, "a"));
        assertThat(ids(one)).containsExactly("a");
        assertThat(node(one, 0).getString("lastDisconnectReason"))
                .isEqualTo("closed by peer");
    }

    @Test
    void manyNodes_oneAnswerHoldsOnePage() throws Exception {
        startConsumer();
        int nodes = 3000;
        for (int i = 0; i < nodes; i++) {
            // a message waiting for a node the gateway has never seen makes its session
            server().send(String.format("node-%05d", i), "hello", true, true, 0, null);
        }
        JsonObject g = gateway(Map.of());
        assertThat(g.getInteger("sessions")).isEqualTo(nodes);
        assertThat(g.getInteger("pendingMessages")).isEqualTo(nodes);
        assertThat(g.getInteger("nodesMatching")).isEqualTo(nodes);
        assertThat(ids(g)).hasSize(EspLinkDevConsole.DEFAULT_LIMIT).startsWith("node-00000");
        assertThat(g.getString("next")).isEqualTo("node-00049");
        assertThat(g.toJson().length()).isLessThan(40_000);

        JsonObject max = gateway(Map.of(EspLinkDevConsole.LIMIT, "100000"));
        assertThat(ids(max)).hasSize(EspLinkDevConsole.MAX_LIMIT);
        String text = (String) console().call(DevConsole.MediaType.TEXT, Map.of(EspLinkDevConsole.LIMIT, "0"));
        assertThat(text).contains("3000 session(s)").doesNotContain("node-00000");
    }

    private static JsonObject node(JsonObject gateway, int i) {
        JsonArray nodes = gateway.getCollection("nodes");
        return (JsonObject) nodes.get(i);
    }

    private static List<String> ids(JsonObject gateway) {
        JsonArray nodes = gateway.getCollection("nodes");
        return nodes.stream().map(n -> ((JsonObject) n).getString("clientId")).toList();
    }
}
