package io.esplink.routes;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** A plain Paho client for tests: records what arrives on its subscriptions, publishes. */
public final class MqttTestClient implements AutoCloseable {

    public record Received(String topic, String payload, boolean retained) {
    }

    public final List<Received> received = new CopyOnWriteArrayList<>();
    private final MqttClient client;

    public MqttTestClient(String brokerUrl) throws MqttException {
        client = new MqttClient(brokerUrl, "test-" + UUID.randomUUID(), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(false);
        client.connect(o);
    }

    public MqttTestClient subscribe(String filter) throws MqttException {
        client.subscribe(filter, 1, (topic, m) -> received.add(
                new Received(topic, new String(m.getPayload(), StandardCharsets.UTF_8), m.isRetained())));
        return this;
    }

    public void publish(String topic, String payload) throws MqttException {
        MqttMessage m = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        m.setQos(1);
        client.publish(topic, m);
    }

    public void clearRetained(String topic) throws MqttException {
        MqttMessage m = new MqttMessage(new byte[0]);
        m.setQos(1);
        m.setRetained(true);
        client.publish(topic, m);
    }

    public List<String> payloadsOn(String topic) {
        return received.stream().filter(r -> r.topic().equals(topic)).map(Received::payload).toList();
    }

    @Override
    public void close() throws MqttException {
        if (client.isConnected()) {
            client.disconnect();
        }
        client.close();
    }
}
