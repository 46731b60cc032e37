package io.esplink.gateway;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.esplink.testing.RecordingNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /openapi.json describes every endpoint, POST /nodes/{id}/messages too; every error is JSON, on any path. */
class OpenApiAndErrorsTest extends GatewayTestSupport {

    @BeforeEach
    void start() {
        startGateway();
    }

    @AfterEach
    void stop() throws Exception {
        stopEverything();
    }

    @Test
    void openApi_describesEveryEndpoint_includingThePostOfTheVertxHandler() throws Exception {
        HttpResponse<String> r = get("/openapi.json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode doc = json(r);
        assertThat(doc.path("openapi").asText()).startsWith("3.");
        assertThat(doc.path("info").path("title").asText()).isEqualTo("esplink gateway API");
        JsonNode paths = doc.get("paths");
        assertThat(paths.has("/nodes")).isTrue();
        assertThat(paths.path("/nodes").has("get")).isTrue();
        assertThat(paths.path("/nodes/{id}/messages").has("get")).isTrue();
        assertThat(paths.path("/health").has("get")).isTrue();
        JsonNode post = paths.path("/nodes/{id}/messages").path("post");
        assertThat(post.path("summary").asText() + post.path("description").asText()).as(doc.toString())
                .contains("acknowledged");
        assertThat(post.path("responses").has("200")).isTrue();
        assertThat(post.path("responses").has("504")).isTrue();
        assertThat(paths.path("/nodes").path("get").path("parameters").toString()).contains("limit").contains("after");

        // the POST is still the Vert.x handler's: it waits for the ACK and answers JSON
        RecordingNode led = node("led");
        HttpResponse<String> sent = post("/nodes/led/messages", "text/plain", "on");
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
        assertThat(json(sent).get("delivered").asBoolean()).isTrue();
        led.awaitReceived(1, WAIT);
    }

    @Test
    void errors_areJson_onUnknownPathsAndMethodsToo() throws Exception {
        for (HttpResponse<String> r : List.of(get("/nope"), get("/nodes/a/b/c"),
                http.send(request("/health").DELETE().build(), HttpResponse.BodyHandlers.ofString()),
                http.send(HttpRequest.newBuilder(uri("/nope")).GET().build(), HttpResponse.BodyHandlers.ofString()),
                get("/nodes?limit=x"), get("/nodes/ghost/messages"))) {
            assertThat(r.statusCode()).as(r.uri() + " " + r.body()).isBetween(400, 499);
            assertThat(r.headers().firstValue("Content-Type")).as(r.uri().toString()).hasValueSatisfying(
                    ct -> assertThat(ct).startsWith("application/json"));
            JsonNode e = json(r);
            assertThat(e.get("status").asInt()).as(r.body()).isEqualTo(r.statusCode());
            assertThat(e.get("error").asText()).isNotBlank();
        }
        assertThat(get("/nope").statusCode()).isEqualTo(404);
        assertThat(json(get("/nope")).get("error").asText()).contains("GET /nodes");
    }
}
