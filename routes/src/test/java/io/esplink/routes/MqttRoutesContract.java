package io.esplink.routes;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import io.esplink.testing.RecordingNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The MQTT route files against a broker given by the subclass. Each test uses its own topic prefix. */
abstract class MqttRoutesContract extends RouteFileTestSupport {

    private final ObjectMapper mapper = new ObjectMapper();
    protected String prefix;
    private MqttTestClient observer;

    abstract String brokerUrl();

    @BeforeEach
    void mqttProperties() throws Exception {
        prefix = "esplink-test-" + UUID.randomUUID().toString().substring(0, 8);
        props.put("esplink.mqtt.broker", brokerUrl());
        props.put("esplink.mqtt.topic-prefix", prefix);
        props.put("esplink.mqtt.client-id", "gw-" + prefix);
        observer = new MqttTestClient(brokerUrl());
    }

    @AfterEach
    void closeObserver() throws Exception {
        observer.close();
    }

    @Test
    void esplinkToMqtt_publishesEachNodeMessageOnceOnItsUpTopic_inOrder() throws Exception {
        observer.subscribe(prefix + "/+/up");
        run("esplink-to-mqtt");
        RecordingNode n = node("kitchen");
        for (int i = 1; i <= 5; i++) {
            n.client.send("{\"seq\":" + i + "}").get(10, TimeUnit.SECONDS); // ACKed once the broker has it
        }
        await().atMost(WAIT).until(() -> observer.payloadsOn(prefix + "/kitchen/up").size() >= 5);
        assertThat(observer.payloadsOn(prefix + "/kitchen/up"))
                .containsExactly("{\"seq\":1}", "{\"seq\":2}", "{\"seq\":3}", "{\"seq\":4}", "{\"seq\":5}");
    }

    @Test
    void esplinkToMqtt_clientIdWithTopicWildcards_isPublishedUnderItsSafeName() throws Exception {
        observer.subscribe(prefix + "/#");
        run("esplink-to-mqtt");
        RecordingNode n = node("barn/+#1");
        n.client.send("hay").get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> !observer.received.isEmpty());
        assertThat(observer.received).extracting(MqttTestClient.Received::topic).containsExactly(prefix + "/barn___1/up");
    }

    @Test
    void mqttToEsplink_sendsEachDownMessageToItsNodeOnce_inOrder() throws Exception {
        run("mqtt-to-esplink");
        RecordingNode led = node("led");
        RecordingNode other = node("other");
        for (int i = 1; i <= 4; i++) {
            observer.publish(prefix + "/led/down", "state " + i);
        }
        await().atMost(WAIT).until(() -> led.received.size() >= 4);
        assertThat(led.received).containsExactly("state 1", "state 2", "state 3", "state 4");
        assertThat(led.client.duplicates()).isZero();
        assertThat(other.received).isEmpty();
    }

    @Test
    void presenceToMqtt_retainsEachNodesState_forSubscribersThatComeLater() throws Exception {
        String topic = prefix + "/porch/presence";
        observer.subscribe(topic);
        run("presence-to-mqtt");
        try {
            RecordingNode n = node("porch");
            // published (the observer has it) before the late subscriber comes: it can only get it retained
            await().atMost(WAIT).until(() -> !observer.payloadsOn(topic).isEmpty());
            try (MqttTestClient late = new MqttTestClient(brokerUrl())) {
                late.subscribe(prefix + "/+/presence");
                await().atMost(WAIT).until(() -> !late.payloadsOn(topic).isEmpty());
                JsonNode online = mapper.readTree(late.payloadsOn(topic).get(0));
                assertThat(online.get("online").asBoolean()).isTrue();
                assertThat(online.get("clientId").asText()).isEqualTo("porch");
                assertThat(late.received.get(0).retained()).isTrue();

                n.client.close();
                await().atMost(WAIT).until(() -> late.payloadsOn(topic).size() >= 2);
                assertThat(mapper.readTree(late.payloadsOn(topic).get(1)).get("online").asBoolean()).isFalse();
            }
            try (MqttTestClient later = new MqttTestClient(brokerUrl())) {
                later.subscribe(topic);
                await().atMost(WAIT).until(() -> !later.payloadsOn(topic).isEmpty());
                List<String> got = later.payloadsOn(topic);
                assertThat(mapper.readTree(got.get(got.size() - 1)).get("event").asText()).isEqualTo("DISCONNECTED");
            }
        } finally {
            observer.clearRetained(topic);
        }
    }
}
