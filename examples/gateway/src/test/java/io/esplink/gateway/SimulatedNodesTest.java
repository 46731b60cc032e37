package io.esplink.gateway;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import io.esplink.sim.Simulation;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The node simulator feeding the gateway: everything stored once, across outages; commands reach the nodes. */
class SimulatedNodesTest extends GatewayTestSupport {

    @Test
    void simulatorWithOutages_everyReadingStoredExactlyOnce_inDatabaseAndFiles() throws Exception {
        startGateway();
        Simulation.Settings s = settings("sim-1", "sim-2", "sim-3", "sim-4");
        s.rate = 20;
        s.count = 30;
        s.outageEvery = Duration.ofMillis(600);
        s.outageNodes = 2;
        s.seed = 7;
        try (Simulation sim = new Simulation(s, line -> { }).start()) {
            await().atMost(Duration.ofSeconds(90)).until(sim::drained);
            Simulation.Totals t = sim.totals();
            assertThat(t.acked()).isEqualTo(120);
            assertThat(t.outages()).isPositive();
        }
        for (String id : s.ids) {
            List<List<String>> rows = rows("SELECT payload FROM esplink_message WHERE client_id = ? ORDER BY id", id);
            assertThat(rows).as(id).hasSize(30);
            List<String> lines = Files.readAllLines(dataDir.resolve("messages/" + id + ".jsonl"));
            assertThat(lines).as(id).hasSize(30);
            for (int i = 0; i < 30; i++) {
                assertThat(mapper.readTree(rows.get(i).get(0)).get("seq").asInt()).isEqualTo(i + 1);
                JsonNode rec = mapper.readTree(lines.get(i));
                assertThat(rec.get("payload").get("seq").asInt()).isEqualTo(i + 1); // JSON kept as JSON
            }
        }
        JsonNode nodes = json(get("/nodes"));
        assertThat(nodes).hasSize(4);
        for (JsonNode n : nodes) {
            assertThat(n.get("storedMessages").asLong()).isEqualTo(30);
            assertThat(n.get("connectCount").asInt()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void postToASimulatedNode_isPrintedByIt_once() throws Exception {
        startGateway();
        Simulation.Settings s = settings("sim-1");
        s.rate = 0;
        List<String> printed = new CopyOnWriteArrayList<>();
        try (Simulation sim = new Simulation(s, printed::add).start()) {
            await().atMost(WAIT).until(() -> sim.totals().connected() == 1);
            assertThat(post("/nodes/sim-1/messages", "text/plain", "led on").statusCode()).isEqualTo(200);
            await().atMost(WAIT).until(() -> !printed.isEmpty());
            assertThat(printed).containsExactly("sim-1 <- led on");
        }
    }

    /** Simulator settings for this test's gateway. */
    private Simulation.Settings settings(String... ids) {
        Simulation.Settings s = new Simulation.Settings();
        s.host = HOST;
        s.port = nodePort;
        s.timeoutMs = TIMEOUT_MS;
        s.ids = List.of(ids);
        return s;
    }
}
