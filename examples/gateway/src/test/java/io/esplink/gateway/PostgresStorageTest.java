package io.esplink.gateway;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import io.esplink.testing.RecordingNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The same storage routes and API on PostgreSQL instead of H2. Runs when ESPLINK_TEST_POSTGRES_URL names a database
 * (for example {@code jdbc:postgresql://127.0.0.1:5432/esplink?user=esplink&password=esplink}); its esplink tables
 * are dropped first.
 */
class PostgresStorageTest extends GatewayTestSupport {

    private final String url = System.getenv("ESPLINK_TEST_POSTGRES_URL");

    @BeforeEach
    void dropTables() throws Exception {
        assumeThat(url).as("ESPLINK_TEST_POSTGRES_URL").isNotBlank();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS esplink_message");
            s.execute("DROP TABLE IF EXISTS esplink_event");
        }
    }

    @Test
    void storageAndApi_workOnPostgreSql() throws Exception {
        startGateway(Map.of("esplink.db.url", url));
        RecordingNode n = node("pg-node");
        n.client.send("{\"t\":1}").get(10, TimeUnit.SECONDS);
        n.client.send("second").get(10, TimeUnit.SECONDS);

        assertThat(rows("SELECT message_id, payload FROM esplink_message WHERE client_id = ? ORDER BY id", "pg-node"))
                .extracting(r -> r.get(1)).containsExactly("{\"t\":1}", "second");
        await().atMost(WAIT).until(() -> !rows("SELECT 1 FROM esplink_event WHERE client_id = ?", "pg-node").isEmpty());
        JsonNode latest = json(get("/nodes/pg-node/messages?limit=1"));
        assertThat(latest.get(0).get("payload").asText()).isEqualTo("second");
        assertThat(latest.get(0).get("receivedAt").asText()).endsWith("Z");
        JsonNode nodes = json(get("/nodes"));
        assertThat(nodes.get(0).get("storedMessages").asLong()).isEqualTo(2);
        assertThat(json(get("/health")).get("database").asText()).isEqualTo("UP");
        assertThat(post("/nodes/pg-node/messages", "text/plain", "hi").statusCode()).isEqualTo(200);
    }
}
