package io.esplink.gateway;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.esplink.testing.LogCapture;
import io.esplink.testing.RecordingNode;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/** The API's token, its file, what the open /health tells, and the loopback default. */
class HttpApiSecurityTest extends GatewayTestSupport {

    @Test
    void everyEndpointButHealth_needsTheToken_401JsonWithWwwAuthenticate() throws Exception {
        startGateway();
        RecordingNode led = node("led");

        token = null;
        for (HttpResponse<String> r : List.of(get("/nodes"), get("/nodes/led/messages"), get("/nodes/led/events"),
                get("/no/such/path"), post("/nodes/led/messages", "text/plain", "on"), get("/observe/metrics"),
                get("/observe/info"), get("/observe/dev-console/route"), get("/q/dev/route"),
                post(StatusPage.TICKETS, null, ""))) {
            assertThat(r.statusCode()).as(r.uri().toString()).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"esplink\"");
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
            assertThat(json(r).get("status").asInt()).isEqualTo(401);
            assertThat(r.body()).doesNotContain("led");
        }
        for (String wrong : List.of("Bearer " + TOKEN + "x", "Bearer " + TOKEN.substring(1), "Bearer ",
                "Basic " + TOKEN, TOKEN)) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/nodes")).header("Authorization", wrong)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(wrong).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
                    .startsWith("Bearer").contains("invalid_token"));
        }
        assertThat(led.received).as("nothing reached the node").isEmpty();

        HttpResponse<String> lowerCase = http.send(HttpRequest.newBuilder(uri("/nodes"))
                .header("Authorization", "bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(lowerCase.statusCode()).as("the scheme in any case").isEqualTo(200);
        token = TOKEN;
        assertThat(get("/nodes").statusCode()).isEqualTo(200);
        assertThat(post("/nodes/led/messages", "text/plain", "on").statusCode()).isEqualTo(200);
    }

    @Test
    void health_isOpen_withCountsButNoNodeIdsAndNoReasons_theTokenAddsTheReasons() throws Exception {
        startGateway();
        RecordingNode n = node("secret-kitchen");
        n.client.send("{\"temp\": 21}").get(10, TimeUnit.SECONDS);
        // the node's file becomes a directory: the files route fails on its messages, with a reason naming the node
        Path file = dataDir.resolve("messages/secret-kitchen.jsonl");
        Files.delete(file);
        Files.createDirectory(file);
        n.client.send("{\"temp\": 22}");

        token = null;
        await().atMost(WAIT).until(() -> get("/health").statusCode() == 503);
        HttpResponse<String> open = get("/health");
        JsonNode h = json(open);
        assertThat(open.body()).doesNotContain("secret-kitchen").doesNotContain(dataDir.toString());
        assertThat(h.get("status").asText()).isEqualTo("DOWN");
        assertThat(h.get("nodeListener").get("connectedNodes").asInt()).isEqualTo(1);
        h.get("checks").forEach(c -> assertThat(c.asText()).isIn("UP", "DOWN", "UNKNOWN"));
        assertThat(h.get("checks").get("consumer:esplink-to-files").asText()).isEqualTo("DOWN");

        token = TOKEN;
        JsonNode detailed = json(get("/health"));
        assertThat(detailed.get("checks").get("consumer:esplink-to-files").asText()).startsWith("DOWN: ")
                .contains("secret-kitchen");
    }

    @Test
    void withoutAConfiguredToken_oneIsMadeAtTheFirstStart_keptForTheOwnerOnly_loggedThatOnceOnly() throws Exception {
        String made;
        try (LogCapture log = new LogCapture(ApiToken.class)) {
            startGateway(Map.of("esplink.http.token", ""));
            Path file = dataDir.resolve(ApiToken.FILE);
            assertThat(file).exists();
            made = Files.readString(file).strip();
            assertThat(made).matches("[A-Za-z0-9_-]{43}"); // 256 bits, URL-safe Base64
            if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            }
            List<String> lines = log.messages(Level.INFO);
            assertThat(lines).singleElement().asString().contains(made).contains(file.toString());

            token = null;
            assertThat(get("/nodes").statusCode()).isEqualTo(401);
            token = made;
            assertThat(get("/nodes").statusCode()).isEqualTo(200);
            main.stop();
        }
        try (LogCapture log = new LogCapture(ApiToken.class)) {
            startGateway(Map.of("esplink.http.token", ""));
            assertThat(Files.readString(dataDir.resolve(ApiToken.FILE)).strip()).as("the same token").isEqualTo(made);
            assertThat(log.messages(Level.INFO)).singleElement().asString().doesNotContain(made)
                    .contains(dataDir.resolve(ApiToken.FILE).toString());
            assertThat(get("/nodes").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aConfiguredToken_winsOverTheFile_andMustNotBeShort() throws Exception {
        Files.writeString(dataDir.resolve(ApiToken.FILE), "the-token-of-the-file-0123456789\n");
        startGateway(); // esplink.http.token = TOKEN
        assertThat(get("/nodes").statusCode()).isEqualTo(200);
        token = "the-token-of-the-file-0123456789";
        assertThat(get("/nodes").statusCode()).isEqualTo(401);
        main.stop();

        Throwable t = catchThrowable(() -> startGateway(Map.of("esplink.http.token", "short")));
        assertThat(t).hasStackTraceContaining("at least 16 characters");
    }

    @Test
    void aTokenFileThatOthersCanRead_isMadeOwnerOnly() throws Exception {
        Path file = Files.writeString(dataDir.resolve(ApiToken.FILE), "the-token-of-the-file-0123456789\n");
        if (!Files.getFileStore(file).supportsFileAttributeView("posix")) {
            return;
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        try (LogCapture log = new LogCapture(ApiToken.class)) {
            startGateway(Map.of("esplink.http.token", ""));
            assertThat(log.messages(Level.WARN)).singleElement().asString().contains("rw-r--r--");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        token = "the-token-of-the-file-0123456789";
        assertThat(get("/nodes").statusCode()).isEqualTo(200);
    }

    @Test
    void byDefault_theApiListensOnLoopbackOnly() throws Exception {
        assertThat(GatewayCommandLine.applicationProperties().getProperty("esplink.http.host")).isEqualTo("127.0.0.1");
        Map<String, String> defaults = new HashMap<>();
        defaults.put("esplink.http.host", null); // application.properties' own
        startGateway(defaults);
        assertThat(context().getPropertiesComponent().resolveProperty("camel.server.host")).hasValue("127.0.0.1");
        assertThat(get("/health").statusCode()).isEqualTo(200);
        Optional<InetAddress> lan = siteAddress();
        if (lan.isPresent()) {
            try (Socket s = new Socket()) {
                Throwable t = catchThrowable(() -> s.connect(new InetSocketAddress(lan.get(), httpPort), 2000));
                assertThat(t).as("not reachable on " + lan.get()).isInstanceOf(java.io.IOException.class);
            }
        }
    }

    /** An IPv4 address of this machine that is not loopback, if it has one. */
    private static Optional<InetAddress> siteAddress() throws Exception {
        for (NetworkInterface ni : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isUp() || ni.isLoopback()) {
                continue;
            }
            for (InetAddress a : java.util.Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }
}
