package io.esplink.quarkus;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.esplink.core.EspLinkClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.health.HealthCheckRepository;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application as Quarkus runs it (JVM mode): the ready routes from the esplink-routes jar store a node's message,
 * a command reaches a node and completes on its ACK, and /q/health shows Camel's checks with esplink's.
 */
@QuarkusTest
@QuarkusTestResource(EspLinkTestResource.class)
class EspLinkQuarkusTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Inject
    ProducerTemplate producer;
    @Inject
    CamelContext context;

    @Test
    void nodeMessage_isStoredInTheFilesAndTheDatabase() throws Exception {
        try (EspLinkClient node = node("quarkus-sensor", new CopyOnWriteArrayList<>())) {
            // ackMode=processed: the node's send completes once both stores have the message
            node.send("{\"t\":21.5}").get(20, TimeUnit.SECONDS);
        }
        Path file = EspLinkTestResource.dataDir.resolve("messages").resolve("quarkus-sensor.jsonl");
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("\"clientId\":\"quarkus-sensor\"").contains("21.5");

        try (Connection c = DriverManager.getConnection(
                "jdbc:h2:file:" + EspLinkTestResource.dataDir.resolve("esplink"), "sa", "");
             PreparedStatement st = c.prepareStatement(
                     "SELECT payload FROM esplink_message WHERE client_id = 'quarkus-sensor'");
             ResultSet rs = st.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).contains("21.5");
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void command_reachesTheNode_andCompletesOnItsAck() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        try (EspLinkClient node = node("quarkus-led", received)) {
            // returns once the node has ACKed the line (qos); the node's application gets it right after its ACK
            producer.sendBodyAndHeader("direct:esplink-command", "{\"cmd\":\"led\",\"on\":true}",
                    "CamelEspLinkClientId", "quarkus-led");
            await().atMost(WAIT).until(() -> !received.isEmpty());
            assertThat(received).containsExactly("{\"cmd\":\"led\",\"on\":true}");
        }
    }

    @Test
    void health_showsCamelsChecks_withTheConsumersAndTheStores() {
        // camel-readiness (CamelHealthChecks): every readiness check of Camel's registry by its ID, the consumers'
        // (consumer:<route>), the routes', the stores' and the node port's among them
        await().atMost(WAIT).untilAsserted(() -> {
            Response r = RestAssured.get("/q/health/ready");
            String body = r.asString();
            assertThat(r.statusCode()).as(body).isEqualTo(200);
            assertThat(body).contains("\"status\": \"UP\"")
                    .contains("\"camel-readiness\"")
                    .contains("\"consumer:esplink-to-files\": \"UP\"")
                    .contains("\"consumer:esplink-to-database\": \"UP\"")
                    .contains("\"route:esplink-to-files\": \"UP\"")
                    .contains("\"esplink-store-esplinkFiles\": \"UP\"")
                    .contains("\"esplink-store-esplinkDatabase\": \"UP\"")
                    .contains("\"esplink-server-"); // the node port: bound and accepting
        });
        Response live = RestAssured.get("/q/health/live");
        assertThat(live.statusCode()).as(live.asString()).isEqualTo(200);
        assertThat(live.asString()).contains("\"camel-liveness\"")
                .contains("\"esplink-liveness\": \"UP\""); // the event loops run
        Response all = RestAssured.get("/q/health");
        assertThat(all.statusCode()).as(all.asString()).isEqualTo(200);
        assertThat(all.asString()).contains("\"camel.context\": \"esplink-quarkus\"");

        // camel-consumers is made of esplink's own consumer checks, one per route
        HealthCheckRepository consumers = HealthCheckRegistry.get(context).getRepository("consumers").orElseThrow();
        List<HealthCheck> checks = consumers.stream().toList();
        assertThat(checks).extracting(HealthCheck::getId)
                .contains("consumer:esplink-to-files", "consumer:esplink-to-database");
        assertThat(checks).allSatisfy(check -> assertThat(check.call().getState()).as(check.getId())
                .isEqualTo(HealthCheck.State.UP));
    }

    private static EspLinkClient node(String id, List<String> received) {
        EspLinkClient client = EspLinkClient.builder("127.0.0.1", EspLinkTestResource.nodePort, id).timeoutMs(2000)
                .build();
        client.onMessage(received::add);
        client.start();
        await().atMost(WAIT).until(client::isUp);
        return client;
    }
}
