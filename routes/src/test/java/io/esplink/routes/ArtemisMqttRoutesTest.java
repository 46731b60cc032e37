package io.esplink.routes;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import io.esplink.testing.RecordingNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The MQTT route files against an embedded ActiveMQ Artemis started by the test. */
class ArtemisMqttRoutesTest extends MqttRoutesContract {

    private MqttBroker broker;

    @Override
    String brokerUrl() {
        if (broker == null) {
            try {
                broker = new MqttBroker();
            } catch (Exception e) {
                throw new IllegalStateException("could not start the embedded broker", e);
            }
        }
        return broker.url();
    }

    @AfterEach
    void stopBroker() throws Exception {
        context.stop(); // the routes' MQTT clients first
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void esplinkToMqtt_brokerDown_nodeKeepsTheMessage_untilTheBrokerIsBack() throws Exception {
        int port = broker.port;
        broker.close(); // the route starts without a broker: its producer starts lazily
        run("esplink-to-mqtt");
        RecordingNode n = node("kitchen");
        CompletableFuture<Void> sent = n.client.send("kept");
        await().atMost(WAIT).until(() -> n.client.retransmissions() >= 1);
        assertThat(sent).as("not ACKed while the broker is down").isNotDone();

        broker = MqttBroker.onPort(port);
        try (MqttTestClient observer = new MqttTestClient(broker.url())) {
            observer.subscribe(prefix + "/+/up");
            sent.get(60, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> !observer.payloadsOn(prefix + "/kitchen/up").isEmpty());
            assertThat(observer.payloadsOn(prefix + "/kitchen/up")).containsExactly("kept");
        }
    }
}
