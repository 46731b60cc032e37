package io.esplink.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esplink.testing.RecordingNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two gateways, one Kafka: telemetry, presence and commands in the steady state. */
class TelemetryAndCommandsTest extends ClusterTestSupport {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void telemetryFromBothGateways_arrivesOncePerMessage_inOrderPerNode_withItsHeaders() throws Exception {
        ClusterGateway a = gateway("gw-a");
        ClusterGateway b = gateway("gw-b");
        List<RecordingNode> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(node("a-" + i, a.port));
            nodes.add(node("b-" + i, b.port));
        }
        int count = 40;
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int seq = 1; seq <= count; seq++) {
            for (RecordingNode n : nodes) {
                acks.add(n.client.send("{\"seq\":" + seq + "}"));
            }
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        List<ConsumerRecord<String, String>> records = readAll(prefix + ".telemetry");
        assertThat(records).hasSize(count * nodes.size());
        for (RecordingNode n : nodes) {
            String id = n.client.clientId();
            List<String> expected = new ArrayList<>();
            for (int seq = 1; seq <= count; seq++) {
                expected.add("{\"seq\":" + seq + "}");
            }
            assertThat(valuesOf(records, id)).as("node %s", id).containsExactlyElementsOf(expected);
            ConsumerRecord<String, String> first = records.stream().filter(r -> id.equals(r.key())).findFirst()
                    .orElseThrow();
            assertThat(header(first, EspLinkKafkaHeaders.GATEWAY_ID)).isEqualTo(id.startsWith("a") ? "gw-a" : "gw-b");
            assertThat(header(first, EspLinkKafkaHeaders.MESSAGE_ID)).isEqualTo("0");
            assertThat(Long.parseLong(header(first, EspLinkKafkaHeaders.RECEIVED_AT))).isEqualTo(first.timestamp())
                    .isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
        }
    }

    @Test
    void presence_everyGatewayKnowsWhereEachNodeIs() throws Exception {
        ClusterGateway a = gateway("gw-a");
        ClusterGateway b = gateway("gw-b");
        node("kitchen", a.port);
        RecordingNode porch = node("porch", b.port);
        awaitPresence("kitchen", "gw-a", a, b);
        awaitPresence("porch", "gw-b", a, b);
        porch.client.close();
        await().atMost(WAIT).until(() -> !a.presence().lookup("porch").connected()
                                         && !b.presence().lookup("porch").connected());
        // a third gateway started now reads the same table from the compacted topic
        ClusterGateway c = gateway("gw-c");
        assertThat(c.presence().lookup("kitchen")).extracting(PresenceTable.Presence::gatewayId,
                PresenceTable.Presence::state).containsExactly("gw-a", "CONNECTED");
        assertThat(c.presence().lookup("porch").state()).isEqualTo("DISCONNECTED");
    }

    @Test
    void aCommandReachesItsNodeOnEitherGateway_once_andIsCommittedAfterItsResult() throws Exception {
        ClusterGateway a = gateway("gw-a");
        ClusterGateway b = gateway("gw-b");
        RecordingNode onA = node("lamp-a", a.port);
        RecordingNode onB = node("lamp-b", b.port);
        awaitPresence("lamp-a", "gw-a", a, b);
        awaitPresence("lamp-b", "gw-b", a, b);
        for (int i = 1; i <= 3; i++) {
            command("lamp-a", "on " + i, "a" + i, 0);
            command("lamp-b", "off " + i, "b" + i, 0);
        }
        onA.awaitReceived(3, WAIT);
        onB.awaitReceived(3, WAIT);
        await().atMost(WAIT).until(() -> results().size() >= 6);
        assertThat(onA.received).containsExactly("on 1", "on 2", "on 3");
        assertThat(onB.received).containsExactly("off 1", "off 2", "off 3");
        Map<String, String> results = results();
        for (int i = 1; i <= 3; i++) {
            assertThat(json.readTree(results.get("a" + i)).get("result").asText()).isEqualTo("delivered");
            assertThat(json.readTree(results.get("a" + i)).get("gatewayId").asText()).isEqualTo("gw-a");
            assertThat(json.readTree(results.get("b" + i)).get("gatewayId").asText()).isEqualTo("gw-b");
        }
        await().atMost(WAIT).until(this::commandsAllCommitted);
        assertThat(onA.client.duplicates() + onB.client.duplicates()).isZero();
    }

    @Test
    void unknownNode_expiredCommand_andInvalidCommand_getTheirResults_andAreCommitted() throws Exception {
        ClusterGateway a = gateway("gw-a");
        ClusterGateway b = gateway("gw-b");
        RecordingNode sleeper = node("sleeper", a.port);
        awaitPresence("sleeper", "gw-a", a, b);
        sleeper.client.close();
        await().atMost(WAIT).until(() -> !a.presence().lookup("sleeper").connected()
                                         && !b.presence().lookup("sleeper").connected());
        command("ghost", "hello", "to-ghost", 0);
        command("sleeper", "wake up", "to-sleeper", 1500);
        command("sleeper", "", "empty", 0);
        await().atMost(WAIT).until(() -> results().size() >= 3);
        Map<String, String> results = results();
        JsonNode ghost = json.readTree(results.get("to-ghost"));
        assertThat(ghost.get("result").asText()).isEqualTo("unknown-node");
        assertThat(ghost.get("clientId").asText()).isEqualTo("ghost");
        assertThat(json.readTree(results.get("to-sleeper")).get("result").asText()).isEqualTo("expired");
        assertThat(json.readTree(results.get("empty")).get("result").asText()).isEqualTo("invalid");
        await().atMost(WAIT).until(this::commandsAllCommitted);
    }

    @Test
    void anOfflineNode_getsTheCommandsQueuedForIt_whenItConnects_atAnyGateway() throws Exception {
        ClusterGateway a = gateway("gw-a");
        ClusterGateway b = gateway("gw-b");
        node("heater", a.port).client.close();
        await().atMost(WAIT).until(() -> b.presence().lookup("heater") != null
                                         && !b.presence().lookup("heater").connected());
        for (int i = 1; i <= 4; i++) {
            command("heater", "set " + i, "h" + i, 0);
        }
        // uncommitted while they wait
        assertThat(commandsAllCommitted()).isFalse();
        RecordingNode heater = node("heater", b.port);
        heater.awaitReceived(4, WAIT);
        assertThat(heater.received).containsExactly("set 1", "set 2", "set 3", "set 4");
        await().atMost(WAIT).until(this::commandsAllCommitted);
        assertThat(results()).hasSize(4);
    }
}
