package io.esplink.routes;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import io.esplink.testing.RecordingNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The esplink-source and esplink-sink Kamelets (from classpath:kamelets, where the jar carries them). */
class KameletsTest extends RouteFileTestSupport {

    @Test
    void sourceKamelet_deliversNodeMessages_sinkKamelet_sendsToANode_completingOnItsAck() throws Exception {
        runYaml("""
                - route:
                    id: from-source-kamelet
                    from:
                      uri: "kamelet:esplink-source"
                      parameters:
                        host: "{{esplink.host}}"
                        port: "{{esplink.port}}"
                        timeout: "{{esplink.timeout}}"
                        clientId: sensor
                        ackMode: processed
                      steps:
                        - setBody:
                            simple: "seen ${body} from ${header.CamelEspLinkClientId}"
                        - to:
                            uri: "kamelet:esplink-sink"
                            parameters:
                              host: "{{esplink.host}}"
                              port: "{{esplink.port}}"
                              timeout: "{{esplink.timeout}}"
                              clientId: display
                """);
        RecordingNode display = node("display");
        RecordingNode sensor = node("sensor");

        // processed: ACKed only once the display has ACKed the relayed line
        sensor.client.send("21.5").get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> display.received.size() >= 1);
        assertThat(display.received).containsExactly("seen 21.5 from sensor");
        assertThat(sensor.received).isEmpty();
    }

    @Test
    void sinkKamelet_withoutClientId_usesTheHeader() throws Exception {
        runYaml("""
                - route:
                    id: to-sink-kamelet
                    from:
                      uri: "direct:command"
                      steps:
                        - to:
                            uri: "kamelet:esplink-sink"
                            parameters:
                              host: "{{esplink.host}}"
                              port: "{{esplink.port}}"
                              timeout: "{{esplink.timeout}}"
                """);
        RecordingNode led = node("led");
        context.createProducerTemplate().sendBodyAndHeader("direct:command", "on", "CamelEspLinkClientId", "led");
        // the template returns once the node has ACKed
        await().atMost(WAIT).until(() -> led.received.size() >= 1);
        assertThat(led.received).containsExactly("on");
    }
}
