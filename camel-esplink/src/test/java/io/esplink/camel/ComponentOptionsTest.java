package io.esplink.camel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.esplink.core.AckMode;
import io.esplink.core.DuplicateClientPolicy;
import io.esplink.core.ServerConfig;
import io.esplink.testing.RecordingNode;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.main.Main;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every option can be set once for the component ({@code camel.component.esplink.*}, as Camel Main, Spring Boot and
 * Quarkus do from properties) and applies to every endpoint that does not set it; an endpoint's own URI wins.
 */
class ComponentOptionsTest {

    private final int port = AvailablePortFinder.getNextAvailable();
    @TempDir
    Path dir;
    private Main main;

    @AfterEach
    void stop() {
        if (main != null) {
            main.stop();
        }
    }

    private CamelContext startMain(String routeYaml, String... properties) throws Exception {
        main = new Main();
        for (int i = 0; i < properties.length; i += 2) {
            main.addInitialProperty(properties[i], properties[i + 1]);
        }
        Path routes = Files.writeString(dir.resolve("routes.yaml"), routeYaml);
        main.addInitialProperty("camel.main.routes-include-pattern", "file:" + routes);
        main.start();
        await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> main.getCamelContext() != null
                             && main.getCamelContext().getStatus() == ServiceStatus.Started);
        return main.getCamelContext();
    }

    @Test
    void componentLevelOptionsFromProperties_applyToEveryEndpointThatDoesNotSetThem() throws Exception {
        CamelContext context = startMain("""
                - route:
                    id: store
                    from:
                      uri: "esplink:127.0.0.1:%d"
                      steps:
                        - to: "mock:stored"
                - route:
                    id: commands
                    from:
                      uri: "direct:command"
                      steps:
                        - to: "esplink:127.0.0.1:%d?clientId=n1"
                """.formatted(port, port),
                "camel.component.esplink.timeout", "700",
                "camel.component.esplink.max-connections", "77",
                "camel.component.esplink.duplicate-client-policy", "replace",
                "camel.component.esplink.ack-mode", "processed",
                "camel.component.esplink.send-timeout", "5s");
        EspLinkComponent component = context.getComponent("esplink", EspLinkComponent.class);
        ServerConfig config = component.getGateway("127.0.0.1:" + port).config();
        assertThat(config.timeoutMs()).isEqualTo(700);
        assertThat(config.maxConnections()).isEqualTo(77);
        assertThat(config.duplicateClientPolicy()).isEqualTo(DuplicateClientPolicy.REPLACE);

        EspLinkEndpoint consumerEndpoint = (EspLinkEndpoint) context.getRoute("store").getEndpoint();
        assertThat(consumerEndpoint.getConfiguration().getAckMode()).isEqualTo(AckMode.PROCESSED);
        EspLinkEndpoint producerEndpoint = context.getEndpoint("esplink:127.0.0.1:" + port + "?clientId=n1",
                EspLinkEndpoint.class);
        assertThat(producerEndpoint.getConfiguration().getSendTimeout()).isEqualTo(5000);

        // and the link works with the node's timeout equal to the component's
        MockEndpoint stored = context.getEndpoint("mock:stored", MockEndpoint.class);
        stored.expectedBodiesReceived("reading");
        try (RecordingNode n = RecordingNode.up("127.0.0.1", port, "n1", 700, java.time.Duration.ofSeconds(10))) {
            n.client.send("reading").get(10, TimeUnit.SECONDS);
            stored.assertIsSatisfied();
            context.createProducerTemplate().sendBody("direct:command", "led on");
            n.awaitReceived(1, java.time.Duration.ofSeconds(10));
            assertThat(n.received).containsExactly("led on");
        }
    }

    @Test
    void anEndpointsOwnOptionWinsOverTheComponents() throws Exception {
        CamelContext context = startMain("""
                - route:
                    id: store
                    from:
                      uri: "esplink:127.0.0.1:%d"
                      parameters:
                        timeout: 900
                        ackMode: received
                      steps:
                        - to: "mock:stored"
                """.formatted(port),
                "camel.component.esplink.timeout", "700",
                "camel.component.esplink.ack-mode", "processed");
        EspLinkComponent component = context.getComponent("esplink", EspLinkComponent.class);
        assertThat(component.getGateway("127.0.0.1:" + port).config().timeoutMs()).isEqualTo(900);
        EspLinkEndpoint endpoint = (EspLinkEndpoint) context.getRoute("store").getEndpoint();
        assertThat(endpoint.getConfiguration().getAckMode()).isEqualTo(AckMode.RECEIVED);
        assertThat(component.getConfiguration().getTimeout()).as("the component's own defaults are untouched")
                .isEqualTo(700);
    }
}
