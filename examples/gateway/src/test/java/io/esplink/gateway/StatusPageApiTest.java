package io.esplink.gateway;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.esplink.testing.RecordingNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The status page's HTTP side: its files (open, no data), the tickets and the event stream (a snapshot, then only the
 * rows that changed), and {@code GET /nodes/{id}/events}.
 */
class StatusPageApiTest extends GatewayTestSupport {

    @Test
    void thePageIsOpenAndHoldsNoData() throws Exception {
        startGateway();
        node("kitchen");
        token = null;
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                csp -> assertThat(csp).contains("script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"));
        assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(page.body()).contains("/ui/app.js").doesNotContain("kitchen");
        for (String f : new String[] {"/ui/app.js", "/ui/app.css", "/ui/favicon.svg", "/ui/index.html"}) {
            assertThat(get(f).statusCode()).as(f).isEqualTo(200);
        }
        String etag = page.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> again = http.send(request("/").header("If-None-Match", etag).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(304);
        // anything else under /ui needs the token
        assertThat(get("/ui/other.js").statusCode()).isEqualTo(401);
        token = TOKEN;
        assertThat(get("/ui/other.js").statusCode()).isEqualTo(404);
    }

    @Test
    void theEventStreamNeedsATicketThatOpensItOnce() throws Exception {
        startGateway();
        token = null;
        assertThat(post(StatusPage.TICKETS, null, "").statusCode()).isEqualTo(401);
        assertThat(get(StatusPage.EVENTS).statusCode()).isEqualTo(401);
        assertThat(get(StatusPage.EVENTS + "?ticket=made-up").statusCode()).isEqualTo(401);

        token = TOKEN;
        HttpResponse<String> issued = post(StatusPage.TICKETS, null, "");
        assertThat(issued.statusCode()).isEqualTo(200);
        String ticket = json(issued).get("ticket").asText();
        assertThat(ticket).hasSizeGreaterThanOrEqualTo(22);
        assertThat(json(issued).get("events").asText()).isEqualTo(StatusPage.EVENTS + "?ticket=" + ticket);

        token = null;
        try (EventStream stream = stream(StatusPage.EVENTS + "?ticket=" + ticket)) {
            assertThat(stream.next("snapshot", WAIT).data().get("rows").isArray()).isTrue();
        }
        assertThat(get(StatusPage.EVENTS + "?ticket=" + ticket).statusCode()).as("spent").isEqualTo(401);
    }

    @Test
    void theStreamSendsASnapshotThenOnlyTheRowsThatChanged() throws Exception {
        startGateway();
        RecordingNode a = node("a");
        node("b");
        try (EventStream stream = stream(StatusPage.EVENTS)) { // with the token, as curl would
            JsonNode snapshot = stream.next("snapshot", WAIT).data();
            List<String> ids = new ArrayList<>();
            snapshot.get("rows").forEach(r -> ids.add(r.get("id").asText()));
            // the rows of nodes that connected just now may still come as changes: wait until both are up
            if (!ids.containsAll(List.of("a", "b"))) {
                await().atMost(WAIT).until(() -> stream.next("rows", WAIT).data().toString().contains("\"id\":\"b\""));
            }
            a.client.send("{\"t\":20}").get(10, TimeUnit.SECONDS);
            JsonNode delta;
            do {
                delta = stream.next("rows", WAIT).data();
            } while (!delta.toString().contains("{\\\"t\\\":20}"));
            assertThat(delta.get("rows")).hasSize(1);
            JsonNode row = delta.get("rows").get(0);
            assertThat(row.get("id").asText()).isEqualTo("a");
            assertThat(row.get("state").asText()).isEqualTo("up");
            assertThat(row.get("in").asLong()).isEqualTo(1);
            assertThat(row.get("last").asText()).isEqualTo("{\"t\":20}");
            assertThat(row.get("lastAt").asLong()).isPositive();

            JsonNode sample = stream.next("sample", Duration.ofSeconds(15)).data();
            assertThat(sample.get("connected").asInt()).isEqualTo(2);
        }
    }

    @Test
    void aNodesConnectionEventsNewestFirst() throws Exception {
        startGateway();
        RecordingNode kitchen = node("kitchen");
        kitchen.client.dropLink();
        await().atMost(WAIT).until(() -> kitchen.client.connects() >= 2 && kitchen.client.isUp());
        await().atMost(WAIT).untilAsserted(() -> {
            HttpResponse<String> r = get("/nodes/kitchen/events?limit=10");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode events = json(r);
            assertThat(events).hasSizeGreaterThanOrEqualTo(3);
            assertThat(events.get(0).get("event").asText()).isEqualTo("CONNECTED");
            assertThat(events.get(0).get("connectCount").asInt()).isEqualTo(2);
            assertThat(events.get(1).get("event").asText()).isEqualTo("DISCONNECTED");
            assertThat(events.get(1).get("reason").asText()).isNotBlank();
            assertThat(events.get(2).get("event").asText()).isEqualTo("CONNECTED");
            assertThat(events.get(2).get("at").asText()).endsWith("Z");
        });
        assertThat(json(get("/nodes/kitchen/events?limit=1"))).hasSize(1);
        assertThat(get("/nodes/ghost/events").statusCode()).isEqualTo(404);
        assertThat(get("/nodes/kitchen/events?limit=0").statusCode()).isEqualTo(400);
        token = null;
        assertThat(get("/nodes/kitchen/events").statusCode()).isEqualTo(401);
    }

    private EventStream stream(String path) throws Exception {
        HttpRequest.Builder b = request(path).timeout(Duration.ofMinutes(2)).GET();
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("text/event-stream"));
        return new EventStream(r);
    }
}
