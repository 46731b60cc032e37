package io.esplink.springboot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.esplink.camel.EspLinkComponent;
import io.esplink.core.AckMode;
import io.esplink.core.EspLinkClient;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Spring Boot application with the starter: {@code camel.component.esplink.*} from the application's properties
 * reach the component, a node's message goes through a route (and is ACKed only once the route completed), and a
 * route's command reaches the node.
 */
@SpringBootTest(classes = EspLinkStarterTest.App.class, properties = {
        "camel.component.esplink.timeout=1500",
        "camel.component.esplink.max-connections=50",
        "camel.component.esplink.ack-mode=processed",
        "camel.component.esplink.expected-client-ids=boot-sensor,boot-led" })
class EspLinkStarterTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int PORT = freePort();
    static final List<String> ROUTED = new CopyOnWriteArrayList<>();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("esplink.port", () -> PORT);
    }

    @SpringBootApplication
    static class App {
        @Bean
        RouteBuilder nodeRoutes() {
            return new RouteBuilder() {
                @Override
                public void configure() {
                    from("esplink:127.0.0.1:{{esplink.port}}").routeId("from-nodes")
                            .process(e -> ROUTED.add(e.getMessage().getHeader("CamelEspLinkClientId") + ": "
                                                     + e.getMessage().getBody(String.class)));
                    from("direct:command").routeId("to-nodes")
                            .to("esplink:127.0.0.1:{{esplink.port}}");
                }
            };
        }
    }

    @Autowired
    CamelContext context;
    @Autowired
    ProducerTemplate producer;

    @Test
    void componentOptions_comeFromTheApplicationsProperties() {
        EspLinkComponent component = context.getComponent("esplink", EspLinkComponent.class);
        assertThat(component.getConfiguration().getTimeout()).isEqualTo(1500);
        assertThat(component.getConfiguration().getMaxConnections()).isEqualTo(50);
        assertThat(component.getConfiguration().getAckMode()).isEqualTo(AckMode.PROCESSED);
        assertThat(component.getConfiguration().getExpectedClientIds()).isEqualTo("boot-sensor,boot-led");
    }

    @Test
    void nodeMessage_goesThroughTheRoute_andCommandsReachTheNode() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        try (EspLinkClient sensor = node("boot-sensor", new CopyOnWriteArrayList<>());
             EspLinkClient led = node("boot-led", received)) {
            // ackMode=processed (from the properties): ACKed once the route completed
            sensor.send("{\"t\":19.5}").get(20, TimeUnit.SECONDS);
            assertThat(ROUTED).containsExactly("boot-sensor: {\"t\":19.5}");

            // returns once the node has ACKed; its application gets the line right after its ACK
            producer.sendBodyAndHeader("direct:command", "on", "CamelEspLinkClientId", "boot-led");
            await().atMost(WAIT).until(() -> !received.isEmpty());
            assertThat(received).containsExactly("on");
        }
    }

    private static EspLinkClient node(String id, List<String> received) {
        EspLinkClient client = EspLinkClient.builder("127.0.0.1", PORT, id).timeoutMs(1500).build();
        client.onMessage(received::add);
        client.start();
        await().atMost(WAIT).until(client::isUp);
        return client;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
