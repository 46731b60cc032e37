package io.esplink.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.esplink.testing.RecordingNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A gateway goes away with nodes on it: stopped (its routers leave the group, the others take its command
 * partitions at once), or crashed (cut off Kafka and its nodes in one instant: no more writes, no commit, no goodbye
 * to the consumer group, which notices after the session timeout). Its nodes reconnect to the other gateway through
 * the load balancer.
 */
class GatewayStopAndCrashTest extends ClusterTestSupport {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aStoppedGatewaysNodes_moveToTheOther_andGetTheirQueuedCommands() throws Exception {
        ClusterGateway a = gateway("gw-a");
        ClusterGateway b = gateway("gw-b");
        TcpProxy balancer = closeAtEnd(new TcpProxy("balancer", List.of(a.port, b.port)));
        RecordingNode node = node("valve", balancer.port());
        awaitPresence("valve", "gw-a", a, b);
        command("valve", "open", "v1", 0);
        node.awaitReceived(1, WAIT);

        a.context.stop();
        for (int i = 2; i <= 4; i++) {
            command("valve", "step " + i, "v" + i, 0);
        }
        node.awaitReceived(4, WAIT);
        assertThat(node.received).containsExactly("open", "step 2", "step 3", "step 4");
        awaitPresence("valve", "gw-b", b);
        await().atMost(WAIT).until(() -> results().size() >= 4);
        await().atMost(WAIT).until(this::commandsAllCommitted);
    }

    @Test
    void aCrashedGateway_losesNoAckedMessage_andItsNodesGetTheirCommandsAtTheOther() throws Exception {
        TcpProxy kafkaOfA = kafka.proxy();
        kafkaOfA.upAll();
        try {
            ClusterGateway a = gateway("gw-a", "127.0.0.1:" + kafkaOfA.port(), Map.of());
            ClusterGateway b = gateway("gw-b");
            TcpProxy balancer = closeAtEnd(new TcpProxy("balancer", List.of(a.port, b.port)));
            int nodes = 4;
            int count = 150;
            List<RecordingNode> all = new ArrayList<>();
            Map<String, List<CompletableFuture<Void>>> acks = new HashMap<>();
            for (int n = 0; n < nodes; n++) {
                RecordingNode node = node("crash-" + n, balancer.port());
                all.add(node);
                awaitPresence(node.client.clientId(), "gw-a", a, b);
            }
            for (RecordingNode node : all) {
                command(node.client.clientId(), "before", node.client.clientId() + "-before", 0);
            }
            for (RecordingNode node : all) {
                List<CompletableFuture<Void>> list = new ArrayList<>();
                for (int i = 1; i <= count; i++) {
                    list.add(node.client.send("r" + i));
                }
                acks.put(node.client.clientId(), list);
            }
            // crash mid-stream: every node has some messages ACKed and some not
            await().atMost(WAIT).until(() -> acks.values().stream()
                    .allMatch(l -> l.stream().filter(CompletableFuture::isDone).count() >= 20));
            kafkaOfA.downAll();
            balancer.down(a.port);
            a.stopInBackground();
            long ackedAtCrash = acks.values().stream().flatMap(List::stream).filter(CompletableFuture::isDone).count();
            for (RecordingNode node : all) {
                command(node.client.clientId(), "after", node.client.clientId() + "-after", 0);
            }

            for (List<CompletableFuture<Void>> list : acks.values()) {
                CompletableFuture.allOf(list.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            }
            assertThat(ackedAtCrash).isLessThan((long) nodes * count);
            List<ConsumerRecord<String, String>> telemetry = readAll(prefix + ".telemetry");
            int copies = 0;
            for (RecordingNode node : all) {
                List<String> values = valuesOf(telemetry, node.client.clientId());
                // every message ACKed (all of them, in the end) is there, in order; a resend of one that Kafka had but
                // whose ACK the crash swallowed follows it directly
                List<String> deduplicated = new ArrayList<>();
                for (String v : values) {
                    if (deduplicated.isEmpty() || !deduplicated.get(deduplicated.size() - 1).equals(v)) {
                        deduplicated.add(v);
                    }
                }
                copies += values.size() - deduplicated.size();
                List<String> expected = new ArrayList<>();
                for (int i = 1; i <= count; i++) {
                    expected.add("r" + i);
                }
                assertThat(deduplicated).as(node.client.clientId()).containsExactlyElementsOf(expected);
            }
            assertThat(copies).as("copies of messages whose ACK the crash swallowed").isLessThanOrEqualTo(nodes);

            for (RecordingNode node : all) {
                node.awaitReceived(2, WAIT);
                assertThat(node.received).contains("before", "after");
                awaitPresence(node.client.clientId(), "gw-b", b);
            }
            await().atMost(WAIT).until(() -> results().size() >= 2 * nodes);
            for (String result : results().values()) {
                assertThat(json.readTree(result).get("result").asText()).isEqualTo("delivered");
            }
            await().atMost(WAIT).until(this::commandsAllCommitted);
        } finally {
            kafkaOfA.upAll();
        }
    }
}
