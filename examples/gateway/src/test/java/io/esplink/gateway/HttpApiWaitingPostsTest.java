package io.esplink.gateway;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.esplink.testing.RecordingNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * POSTs that wait for a node hold no thread: many of them waiting at once leave every other endpoint answering at
 * once, and beyond {@code esplink.http.max-waiting} they are refused at once with 503.
 */
class HttpApiWaitingPostsTest extends GatewayTestSupport {

    private static final int POSTS = 300;
    private static final int MAX_WAITING = 200;
    /** What /health must answer within while the POSTs wait (platform-http has 20 worker threads). */
    private static final Duration FAST = Duration.ofMillis(1000);

    @Test
    void threeHundredPostsToANodeThatIsAway_200Wait_healthAnswersAtOnce_theWaitingOnesGet504_theOthers503AtOnce()
            throws Exception {
        // the node's own queue must not be what refuses them first (maxQueuedPerNode, 100 by default)
        startGateway(Map.of("esplink.http.send-timeout", "8s", "esplink.http.max-waiting",
                String.valueOf(MAX_WAITING), "camel.component.esplink.max-queued-per-node", "1000"));
        RecordingNode away = node("away");
        away.client.close();
        await().atMost(WAIT).until(() -> get("/health").statusCode() == 200
                                          && json(get("/health")).get("nodeListener").get("connectedNodes").asInt() == 0);
        // one connection per request: the 200 POSTs are really in flight at once
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();

        long t0 = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> posts = new ArrayList<>();
        for (int i = 0; i < POSTS; i++) {
            posts.add(client.sendAsync(postRequest("/nodes/away/messages", "text/plain", "wake up " + i),
                    HttpResponse.BodyHandlers.ofString()));
        }

        // the ones beyond the bound are refused at once; the others wait for the node
        await().atMost(Duration.ofSeconds(5)).until(() -> posts.stream().filter(CompletableFuture::isDone).count()
                                                          >= POSTS - MAX_WAITING);
        await().atMost(WAIT).until(() -> json(get("/health")).get("httpApi").get("waitingPosts").asInt() == MAX_WAITING);
        List<HttpResponse<String>> early = posts.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join)
                .toList();
        assertThat(early).hasSize(POSTS - MAX_WAITING).allSatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            assertThat(json(r).get("error").asText()).contains("esplink.http.max-waiting");
        });

        // meanwhile every other endpoint answers at once
        long worst = 0;
        for (int i = 0; i < 20; i++) {
            long s = System.nanoTime();
            HttpResponse<String> h = client.send(request("/health").timeout(FAST).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            long ms = (System.nanoTime() - s) / 1_000_000;
            worst = Math.max(worst, ms);
            assertThat(h.statusCode()).isEqualTo(200);
            assertThat(json(h).get("httpApi").get("waitingPosts").asInt()).as("still waiting").isEqualTo(MAX_WAITING);
            assertThat(client.send(request("/nodes").timeout(FAST).GET().build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);
        }
        System.out.printf("GET /health with %d POSTs waiting: worst of 20 answers %d ms%n", MAX_WAITING, worst);
        assertThat(worst).isLessThan(FAST.toMillis());

        // the waiting ones end with the send timeout
        CompletableFuture.allOf(posts.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        List<HttpResponse<String>> all = posts.stream().map(CompletableFuture::join).toList();
        assertThat(all).filteredOn(r -> r.statusCode() == 504).hasSize(MAX_WAITING)
                .allSatisfy(r -> assertThat(json(r).get("error").asText()).contains("away"));
        assertThat(all).filteredOn(r -> r.statusCode() == 503).hasSize(POSTS - MAX_WAITING);
        assertThat(elapsedMs).as("the waiting ones waited for the send timeout").isGreaterThanOrEqualTo(8000);
        await().atMost(WAIT).until(() -> json(get("/health")).get("httpApi").get("waitingPosts").asInt() == 0);

        // and the API is as before
        RecordingNode led = node("led");
        assertThat(post("/nodes/led/messages", "text/plain", "on").statusCode()).isEqualTo(200);
        led.awaitReceived(1, WAIT);
        assertThat(away.received).isEmpty();
    }

    @Test
    void aPostAnswersAsSoonAsTheNodeAcks_evenWhileOthersWait() throws Exception {
        startGateway(Map.of("esplink.http.send-timeout", "5s"));
        RecordingNode away = node("away");
        away.client.close();
        await().atMost(WAIT).until(() -> json(get("/health")).get("nodeListener").get("connectedNodes").asInt() == 0);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            waiting.add(client.sendAsync(postRequest("/nodes/away/messages", "text/plain", "w" + i),
                    HttpResponse.BodyHandlers.ofString()));
        }
        await().atMost(WAIT).until(() -> json(get("/health")).get("httpApi").get("waitingPosts").asInt() == 50);

        RecordingNode led = node("led");
        HttpResponse<String> r = client.send(request("/nodes/led/messages").timeout(Duration.ofSeconds(3))
                .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers
                        .ofString("{\"cmd\": \"led\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode sent = json(r);
        assertThat(sent.get("delivered").asBoolean()).isTrue();
        assertThat(sent.get("payload").asText()).isEqualTo("{\"cmd\":\"led\"}");
        led.awaitReceived(1, WAIT);
        assertThat(waiting).noneMatch(CompletableFuture::isDone);
    }
}
