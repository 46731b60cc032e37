package io.esplink.routes;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import io.esplink.testing.RecordingNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** esplink-to-http against a local HTTP server started by the test. */
class WebhookRouteTest extends RouteFileTestSupport {

    private final ObjectMapper mapper = new ObjectMapper();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final List<String> contentTypes = new CopyOnWriteArrayList<>();
    /** How many of the next requests answer 500. */
    private final AtomicInteger failNext = new AtomicInteger();
    private HttpServer http;

    @BeforeEach
    void startHttpServer() throws IOException {
        int port = AvailablePortFinder.getNextAvailable();
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        http.createContext("/hook", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = 200;
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                status = 500;
            } else if (ex.getRequestMethod().equals("POST")) {
                bodies.add(body);
                contentTypes.add(ex.getRequestHeaders().getFirst("Content-Type"));
            }
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        http.start();
        props.put("esplink.webhook.url", "http://127.0.0.1:" + port + "/hook");
    }

    @AfterEach
    void stopHttpServer() {
        http.stop(0);
    }

    @Test
    void nodeMessages_arePostedAsJson_onceEach_withTheirOrigin() throws Exception {
        run("esplink-to-http");
        RecordingNode n = node("kitchen");
        n.client.send("{\"temp\": 21.5}").get(10, TimeUnit.SECONDS); // ACKed after the 2xx
        n.client.send("plain text").get(10, TimeUnit.SECONDS);

        assertThat(bodies).hasSize(2);
        JsonNode first = mapper.readTree(bodies.get(0));
        assertThat(first.get("clientId").asText()).isEqualTo("kitchen");
        assertThat(first.get("messageId").asInt()).isZero();
        assertThat(first.get("payload")).isEqualTo(mapper.readTree("{\"temp\": 21.5}")); // JSON kept as JSON
        assertThat(bodies.get(0)).contains("\"payload\":{\"temp\": 21.5}");
        assertThat(first.get("receivedAt").asText()).endsWith("Z");
        assertThat(first.get("remoteAddress").asText()).startsWith("127.0.0.1:");
        assertThat(mapper.readTree(bodies.get(1)).get("payload").asText()).isEqualTo("plain text");
        assertThat(contentTypes).allSatisfy(ct -> assertThat(ct).startsWith("application/json"));
    }

    @Test
    void serverError_failsTheExchange_nodeResends_andTheMessageArrivesOnceAccepted() throws Exception {
        run("esplink-to-http");
        RecordingNode n = node("kitchen");
        failNext.set(2);
        CompletableFuture<Void> sent = n.client.send("important");

        sent.get(30, TimeUnit.SECONDS); // only once the service has accepted it
        assertThat(failNext.get()).isZero();
        assertThat(n.client.retransmissions()).isGreaterThanOrEqualTo(2);
        assertThat(bodies).hasSize(1);
        assertThat(mapper.readTree(bodies.get(0)).get("payload").asText()).isEqualTo("important");
    }
}
