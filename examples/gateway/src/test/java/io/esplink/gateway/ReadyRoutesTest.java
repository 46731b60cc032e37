package io.esplink.gateway;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.esplink.routes.MqttBroker;
import io.esplink.routes.MqttTestClient;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import io.esplink.testing.RecordingNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway with every ready route enabled at once: each node message is stored, written to its file, published
 * on MQTT and POSTed to the webhook, once each; MQTT commands reach nodes; presence is retained; the relay works.
 */
class ReadyRoutesTest extends GatewayTestSupport {

    private MqttBroker broker;
    private HttpServer webhook;
    private final List<String> posted = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startBrokerAndWebhook() throws Exception {
        broker = new MqttBroker();
        webhook = HttpServer.create(new InetSocketAddress(HOST, AvailablePortFinder.getNextAvailable()), 0);
        webhook.createContext("/hook", ex -> {
            posted.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        webhook.start();
    }

    @AfterEach
    void stopBrokerAndWebhook() throws Exception {
        if (main != null) {
            main.stop(); // the gateway's MQTT clients before the broker
        }
        broker.close();
        webhook.stop(0);
    }

    private void startWithEveryRoute() {
        startGateway(Map.of(
                Gateway.ROUTES, "esplink-to-database,esplink-to-files,esplink-to-mqtt,mqtt-to-esplink,"
                                + "presence-to-mqtt,esplink-to-http,remote-control",
                "esplink.mqtt.broker", broker.url(),
                "esplink.webhook.url", "http://" + HOST + ":" + webhook.getAddress().getPort() + "/hook"));
    }

    @Test
    void everyEnabledRoute_getsEachNodeMessageOnce() throws Exception {
        startWithEveryRoute();
        try (MqttTestClient mqtt = new MqttTestClient(broker.url()).subscribe("esplink/+/up")) {
            RecordingNode n = node("kitchen");
            for (int i = 1; i <= 3; i++) {
                n.client.send("r" + i).get(20, TimeUnit.SECONDS); // ACKed once every processed route is done
            }
            assertThat(rows("SELECT payload FROM esplink_message WHERE client_id = ? ORDER BY id", "kitchen"))
                    .extracting(r -> r.get(0)).containsExactly("r1", "r2", "r3");
            assertThat(Files.readAllLines(dataDir.resolve("messages/kitchen.jsonl"))).hasSize(3);
            assertThat(posted).hasSize(3);
            assertThat(mapper.readTree(posted.get(2)).get("payload").asText()).isEqualTo("r3");
            await().atMost(WAIT).until(() -> mqtt.payloadsOn("esplink/kitchen/up").size() >= 3);
            assertThat(mqtt.payloadsOn("esplink/kitchen/up")).containsExactly("r1", "r2", "r3");
        }
    }

    @Test
    void mqttCommands_reachTheNode_presenceIsRetained_andTheRelayWorks() throws Exception {
        startWithEveryRoute();
        RecordingNode led = node("rx");
        RecordingNode button = node("tx");
        try (MqttTestClient mqtt = new MqttTestClient(broker.url())) {
            mqtt.publish("esplink/rx/down", "blink");
            await().atMost(WAIT).until(() -> !led.received.isEmpty());
            assertThat(led.received).containsExactly("blink");

            button.client.send("[1]").get(20, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> led.received.size() >= 2);
            assertThat(led.received).containsExactly("blink", "[1]");

            mqtt.subscribe("esplink/+/presence");
            await().atMost(WAIT).until(() -> !mqtt.payloadsOn("esplink/tx/presence").isEmpty());
            assertThat(mapper.readTree(mqtt.payloadsOn("esplink/tx/presence").get(0)).get("online").asBoolean()).isTrue();
        }
    }
}
