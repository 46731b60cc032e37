package io.esplink.gateway;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esplink.testing.RecordingNode;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.main.Main;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import static org.awaitility.Awaitility.await;

/** Starts the real gateway (Camel Main) on free loopback ports with a fresh data directory. */
abstract class GatewayTestSupport {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final String HOST = "127.0.0.1";
    static final long TIMEOUT_MS = 1000;
    /** The API token of the tests' gateways (esplink.http.token), sent by {@link #get} and {@link #post}. */
    static final String TOKEN = "test-token-0123456789abcdef";

    final ObjectMapper mapper = new ObjectMapper();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** http, or https for a gateway with esplink.http.tls.keystore (then set {@link #http} to a client that trusts it). */
    String scheme = "http";
    /** The token {@link #get} and {@link #post} send; null for none. */
    String token = TOKEN;
    final List<RecordingNode> nodes = new ArrayList<>();

    @TempDir
    Path dataDir;
    Main main;
    int nodePort;
    int httpPort;

    /**
     * Starts the gateway; {@code extra} are --name=value style overrides on top of the test defaults (a null value
     * removes the test default).
     */
    void startGateway(Map<String, String> extra) {
        startGateway(extra, Map.of());
    }

    /** As {@link #startGateway(Map)}, with {@code env} as the environment variables. */
    void startGateway(Map<String, String> extra, Map<String, String> env) {
        nodePort = AvailablePortFinder.getNextAvailable();
        httpPort = AvailablePortFinder.getNextAvailable();
        Map<String, String> props = new HashMap<>();
        props.put("esplink.host", HOST);
        props.put("esplink.port", String.valueOf(nodePort));
        props.put("esplink.timeout", String.valueOf(TIMEOUT_MS));
        props.put("esplink.http.host", HOST);
        props.put("esplink.http.port", String.valueOf(httpPort));
        props.put("esplink.data.dir", dataDir.toString());
        // the tests' nodes have no credentials (those are tested on their own)
        props.put("esplink.anonymous-nodes", "true");
        props.put("esplink.http.token", TOKEN);
        props.putAll(extra);
        props.values().removeIf(java.util.Objects::isNull); // a null value: application.properties' own
        main = Gateway.create(props, env);
        try {
            main.start();
        } catch (Exception e) {
            throw new IllegalStateException("gateway did not start", e);
        }
        await().atMost(WAIT).until(() -> context() != null && context().getStatus() == ServiceStatus.Started);
    }

    void startGateway() {
        startGateway(Map.of());
    }

    CamelContext context() {
        return main.getCamelContext();
    }

    @AfterEach
    void stopEverything() throws Exception {
        nodes.forEach(RecordingNode::close);
        if (main != null) {
            main.stop();
        }
    }

    /** A simulated node (the component's Java node client) that records what it receives, its link up. */
    RecordingNode node(String clientId) {
        RecordingNode n = RecordingNode.up(HOST, nodePort, clientId, TIMEOUT_MS, WAIT);
        nodes.add(n);
        return n;
    }

    // ---- HTTP ----

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String contentType, String body) throws IOException, InterruptedException {
        return http.send(postRequest(path, contentType, body), HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest postRequest(String path, String contentType, String body) {
        HttpRequest.Builder b = request(path).POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return b.build();
    }

    /** A request to the gateway's API with {@link #token}, if any, and a 30 s timeout. */
    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    URI uri(String path) {
        return URI.create(scheme + "://" + HOST + ":" + httpPort + path);
    }

    JsonNode json(HttpResponse<String> r) throws IOException {
        return mapper.readTree(r.body());
    }

    // ---- database ----

    DataSource dataSource() {
        return context().getRegistry().lookupByNameAndType(NodesApi.DATA_SOURCE, DataSource.class);
    }

    /** The rows of {@code sql} (one String per column), or an empty list while the table does not exist yet. */
    List<List<String>> rows(String sql, Object... args) {
        try (Connection c = dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<List<String>> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                int cols = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= cols; i++) {
                        row.add(rs.getString(i));
                    }
                    out.add(row);
                }
            }
            return out;
        } catch (SQLException e) {
            return List.of();
        }
    }
}
