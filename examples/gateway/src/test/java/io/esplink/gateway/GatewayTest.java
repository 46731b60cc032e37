package io.esplink.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import io.esplink.testing.LogCapture;
import io.esplink.testing.RecordingNode;
import org.apache.logging.log4j.Level;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The gateway on its embedded defaults: H2 and JSON-lines storage, and the HTTP API, with simulated nodes. */
class GatewayTest extends GatewayTestSupport {

    @Test
    void nodeMessages_landInH2AndInTheNodesJsonLinesFile_inOrder_onceEach() throws Exception {
        startGateway();
        RecordingNode n = node("kitchen");
        for (int i = 1; i <= 5; i++) {
            n.client.send("{\"seq\":" + i + "}").get(10, TimeUnit.SECONDS); // ACKed only once stored
        }

        List<List<String>> rows = rows("SELECT message_id, payload, received_at FROM esplink_message "
                                       + "WHERE client_id = ? ORDER BY id", "kitchen");
        assertThat(rows).extracting(r -> r.get(1))
                .containsExactly("{\"seq\":1}", "{\"seq\":2}", "{\"seq\":3}", "{\"seq\":4}", "{\"seq\":5}");
        assertThat(rows).extracting(r -> r.get(0)).containsExactly("0", "1", "2", "3", "4");
        assertThat(rows).allSatisfy(r -> assertThat(r.get(2)).isNotNull());

        Path file = dataDir.resolve("messages/kitchen.jsonl");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(5);
        for (int i = 0; i < 5; i++) {
            JsonNode rec = mapper.readTree(lines.get(i));
            assertThat(rec.get("clientId").asText()).isEqualTo("kitchen");
            assertThat(rec.get("messageId").asInt()).isEqualTo(i);
            // a JSON payload stays JSON in the record
            assertThat(rec.get("payload").toString()).isEqualTo("{\"seq\":" + (i + 1) + "}");
            assertThat(rec.get("receivedAt").asText()).endsWith("Z");
        }
    }

    @Test
    void connectAndDisconnect_areStoredInTheDatabaseAndTheEventsFile() throws Exception {
        startGateway();
        RecordingNode n = node("porch");
        n.client.close();

        await().atMost(WAIT).until(() -> rows("SELECT event FROM esplink_event WHERE client_id = ?", "porch").size() == 2);
        assertThat(rows("SELECT event, reason FROM esplink_event WHERE client_id = ? ORDER BY id", "porch"))
                .extracting(r -> r.get(0)).containsExactly("CONNECTED", "DISCONNECTED");
        Path file = dataDir.resolve("events/porch.jsonl");
        await().atMost(WAIT).until(() -> Files.exists(file) && Files.readAllLines(file).size() == 2);
        List<String> lines = Files.readAllLines(file);
        assertThat(mapper.readTree(lines.get(0)).get("online").asBoolean()).isTrue();
        assertThat(mapper.readTree(lines.get(1)).get("online").asBoolean()).isFalse();
    }

    @Test
    void getNodes_listsConnectedAndDisconnectedNodes_withCounters() throws Exception {
        startGateway(Map.of("esplink.expected", "kitchen,attic"));
        RecordingNode kitchen = node("kitchen");
        kitchen.client.send("a").get(10, TimeUnit.SECONDS);
        kitchen.client.send("b").get(10, TimeUnit.SECONDS);
        RecordingNode porch = node("porch");
        porch.client.send("c").get(10, TimeUnit.SECONDS);
        porch.client.close();
        await().atMost(WAIT).until(() -> !nodeJson("porch").get("connected").asBoolean());

        var r = get("/nodes");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
        JsonNode k = nodeJson("kitchen");
        assertThat(k.get("connected").asBoolean()).isTrue();
        assertThat(k.get("expected").asBoolean()).isTrue();
        assertThat(k.get("since").asText()).endsWith("Z");
        assertThat(k.get("connectCount").asInt()).isEqualTo(1);
        assertThat(k.get("reconnects").asInt()).isZero();
        assertThat(k.get("messagesReceived").asLong()).isEqualTo(2);
        assertThat(k.get("storedMessages").asLong()).isEqualTo(2);
        assertThat(k.get("lastMessageAt").asText()).endsWith("Z");
        JsonNode p = nodeJson("porch");
        assertThat(p.get("connected").asBoolean()).isFalse();
        assertThat(p.get("expected").asBoolean()).isFalse();
        assertThat(p.get("since").isNull()).isTrue();
        assertThat(p.get("disconnectedAt").asText()).endsWith("Z");
        assertThat(p.get("storedMessages").asLong()).isEqualTo(1);
        JsonNode attic = nodeJson("attic");
        assertThat(attic.get("connected").asBoolean()).as("expected but never seen").isFalse();
        assertThat(attic.get("expected").asBoolean()).isTrue();
    }

    @Test
    void reconnects_areCountedInGetNodes() throws Exception {
        startGateway();
        RecordingNode n = node("shed");
        n.client.dropLink();
        await().atMost(WAIT).until(() -> n.client.connects() == 2 && n.client.isUp());
        await().atMost(WAIT).until(() -> nodeJson("shed").get("reconnects").asInt() == 1);
        assertThat(nodeJson("shed").get("connectCount").asInt()).isEqualTo(2);
    }

    @Test
    void getMessages_returnsTheLatestStored_newestFirst_limited() throws Exception {
        startGateway();
        RecordingNode n = node("kitchen");
        for (int i = 1; i <= 4; i++) {
            n.client.send("m" + i).get(10, TimeUnit.SECONDS);
        }
        var r = get("/nodes/kitchen/messages?limit=2");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode arr = json(r);
        assertThat(arr).hasSize(2);
        assertThat(arr.get(0).get("payload").asText()).isEqualTo("m4");
        assertThat(arr.get(0).get("messageId").asInt()).isEqualTo(3);
        assertThat(arr.get(1).get("payload").asText()).isEqualTo("m3");
        assertThat(json(get("/nodes/kitchen/messages")).size()).as("default limit covers all 4").isEqualTo(4);

        assertThat(get("/nodes/nobody/messages").statusCode()).isEqualTo(404);
        assertThat(get("/nodes/kitchen/messages?limit=0").statusCode()).isEqualTo(400);
        assertThat(get("/nodes/kitchen/messages?limit=lots").statusCode()).isEqualTo(400);
    }

    @Test
    void post_reachesTheNodeExactlyOnce_andAnswersAfterItsAck() throws Exception {
        startGateway();
        RecordingNode n = node("led");

        var r = post("/nodes/led/messages", "text/plain", "on\n"); // one trailing newline is the line's end
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).get("delivered").asBoolean()).isTrue();
        // answered after the ACK (the node client hands a line to its application just after ACKing it)
        await().atMost(WAIT).until(() -> n.received.size() >= 1);
        assertThat(n.received).containsExactly("on");

        var j = post("/nodes/led/messages", "application/json", "{\n  \"cmd\": \"led\",\n  \"on\": false\n}");
        assertThat(j.statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> n.received.size() >= 2);
        assertThat(n.received).containsExactly("on", "{\"cmd\":\"led\",\"on\":false}");
        assertThat(n.client.duplicates()).isZero();
    }

    @Test
    void post_answers404ForANodeNeverSeen_400ForBadBodies_415ForFormEncoding() throws Exception {
        startGateway();
        RecordingNode n = node("led");

        var unknown = post("/nodes/ghost/messages", "text/plain", "on");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("error").asText()).contains("ghost");
        assertThat(post("/nodes/led/messages", "text/plain", "").statusCode()).isEqualTo(400);
        assertThat(post("/nodes/led/messages", "text/plain", "two\nlines").statusCode()).isEqualTo(400);
        assertThat(post("/nodes/led/messages", "application/json", "{not json").statusCode()).isEqualTo(400);
        var form = post("/nodes/led/messages", "application/x-www-form-urlencoded", "a+b");
        assertThat(form.statusCode()).isEqualTo(415);
        assertThat(json(form).get("error").asText()).contains("text/plain");

        assertThat(post("/nodes/led/messages", "text/plain", "ok").statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> n.received.size() >= 1);
        assertThat(n.received).as("nothing of the refused requests reached the node").containsExactly("ok");
    }

    @Test
    void post_toANodeThatIsAway_answers504AfterTheSendTimeout() throws Exception {
        startGateway(Map.of("esplink.http.send-timeout", "1s"));
        RecordingNode n = node("away");
        n.client.close();
        await().atMost(WAIT).until(() -> !nodeJson("away").get("connected").asBoolean());

        var r = post("/nodes/away/messages", "text/plain", "wake up");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(json(r).get("error").asText()).contains("away");
    }

    @Test
    void health_isUpWithTheListenerTheDatabaseAndEveryRoute() throws Exception {
        startGateway();
        var r = get("/health");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode h = json(r);
        assertThat(h.get("status").asText()).isEqualTo("UP");
        assertThat(h.get("nodeListener").get("running").asBoolean()).isTrue();
        assertThat(h.get("nodeListener").get("port").asInt()).isEqualTo(nodePort);
        assertThat(h.get("database").asText()).isEqualTo("UP");
        assertThat(h.get("routes").get("esplink-to-database").asText()).isEqualTo("Started");
    }

    @Test
    void health_isDownWhenARouteIsStopped() throws Exception {
        startGateway();
        context().getRouteController().stopRoute("esplink-to-files");
        var r = get("/health");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(json(r).get("status").asText()).isEqualTo("DOWN");
        assertThat(json(r).get("routes").get("esplink-to-files").asText()).isEqualTo("Stopped");
    }

    @Test
    void withoutTheDatabaseRoute_messagesAnswer503_andFilesStillWork() throws Exception {
        startGateway(Map.of(Gateway.ROUTES, "esplink-to-files"));
        RecordingNode n = node("kitchen");
        n.client.send("x").get(10, TimeUnit.SECONDS);
        assertThat(Files.readAllLines(dataDir.resolve("messages/kitchen.jsonl"))).hasSize(1);
        assertThat(get("/nodes/kitchen/messages").statusCode()).isEqualTo(503);
        assertThat(json(get("/health")).get("database").asText()).isEqualTo("DISABLED");
    }

    @Test
    void nodeMessages_areLoggedAtDebug_connectsAndDisconnectsAtInfo() throws Exception {
        try (LogCapture log = new LogCapture("esplink-log")) {
            startGateway();
            RecordingNode n = node("kitchen");
            n.client.send("{\"temp\": 21.5}").get(10, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> !log.messages(Level.DEBUG).isEmpty());
            assertThat(log.messages(Level.DEBUG)).containsExactly("node kitchen message 0: {\"temp\": 21.5}");
            assertThat(log.messages(Level.INFO)).containsExactly("node kitchen CONNECTED: connected");
        }
    }

    @Test
    void connectsAndDisconnects_comingInBatches_areLoggedAndStoredInTheFilesAndTheDatabase_inOrder() throws Exception {
        try (LogCapture log = new LogCapture("esplink-log")) {
            startGateway();
            RecordingNode kitchen = node("kitchen");
            RecordingNode hall = node("hall");
            kitchen.client.dropLink();
            await().atMost(WAIT).until(() -> kitchen.client.connects() >= 2 && kitchen.client.isUp());
            List<String> expected = List.of("CONNECTED", "DISCONNECTED", "CONNECTED");
            await().atMost(WAIT).untilAsserted(() -> assertThat(log.messages(Level.INFO).stream()
                    .filter(m -> m.startsWith("node kitchen ")).map(m -> m.split(" ")[2].replace(":", "")))
                    .containsExactlyElementsOf(expected));
            assertThat(log.messages(Level.INFO)).contains("node hall CONNECTED: connected");
            Path file = dataDir.resolve("events/kitchen.jsonl");
            await().atMost(WAIT).untilAsserted(() -> assertThat(eventsOf(Files.readAllLines(file)))
                    .containsExactly("CONNECTED 1", "DISCONNECTED 1", "CONNECTED 2"));
            assertThat(Files.readAllLines(dataDir.resolve("events/hall.jsonl"))).hasSize(1);
            await().atMost(WAIT).untilAsserted(() -> { // newest first
                List<String> stored = new java.util.ArrayList<>();
                for (JsonNode e : json(get("/nodes/kitchen/events?limit=10"))) {
                    stored.add(e.toString());
                }
                assertThat(eventsOf(stored)).containsExactly("CONNECTED 2", "DISCONNECTED 1", "CONNECTED 1");
            });
        }
    }

    /** "EVENT connectCount" of each JSON record. */
    private List<String> eventsOf(List<String> records) throws java.io.IOException {
        List<String> out = new java.util.ArrayList<>();
        for (String r : records) {
            JsonNode n = mapper.readTree(r);
            out.add(n.get("event").asText() + " " + n.get("connectCount").asInt());
        }
        return out;
    }

    @Test
    void nodeMessages_areLoggedAtInfo_whenAsked() throws Exception {
        try (LogCapture log = new LogCapture("esplink-log")) {
            startGateway(Map.of("esplink.log.messages", "INFO"));
            RecordingNode n = node("kitchen");
            n.client.send("hello").get(10, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> log.messages(Level.INFO).size() == 2);
            assertThat(log.messages(Level.INFO)).containsExactly("node kitchen CONNECTED: connected",
                    "node kitchen message 0: hello");
        }
    }

    @Test
    void aNodesPing_isAnsweredWithPong_andOnlyToThatNode_whileItsMessagesAreBatched() throws Exception {
        startGateway();
        RecordingNode kitchen = node("kitchen");
        RecordingNode hall = node("hall");
        hall.client.send("21.5").get(10, TimeUnit.SECONDS);
        kitchen.client.send("ping").get(10, TimeUnit.SECONDS);
        kitchen.awaitReceived(1, WAIT);
        assertThat(kitchen.received).containsExactly("pong");
        kitchen.client.send("ping").get(10, TimeUnit.SECONDS);
        kitchen.awaitReceived(2, WAIT);
        assertThat(kitchen.received).containsExactly("pong", "pong");
        assertThat(hall.received).isEmpty();
    }

    @Test
    void aBadMessageLoggingLevel_stopsTheGatewayNamingTheProperty() {
        assertThatThrownBy(() -> startGateway(Map.of("esplink.log.messages", "LOUD")))
                .hasStackTraceContaining("esplink.log.messages: 'LOUD' is not a logging level");
    }

    private JsonNode nodeJson(String id) throws Exception {
        for (JsonNode n : json(get("/nodes"))) {
            if (n.get("clientId").asText().equals(id)) {
                return n;
            }
        }
        throw new AssertionError("no node " + id + " in GET /nodes");
    }
}
