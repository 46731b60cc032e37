package io.esplink.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.esplink.testing.RecordingNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node moves between gateways behind a load balancer while commands wait for it and it sends telemetry: its link
 * to one gateway is cut (that gateway stays up) and it reconnects to the other. Repeated, each time in the other
 * direction, with gateways shared by the repetitions (a fresh node each time).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeMovesTest extends ClusterTestSupport {

    private final ObjectMapper json = new ObjectMapper();
    private final List<AutoCloseable> shared = new ArrayList<>();
    private ClusterGateway a;
    private ClusterGateway b;
    private TcpProxy balancer;

    @BeforeAll
    void gateways() throws Exception {
        prefix = "moves" + UUID.randomUUID().toString().substring(0, 6);
        a = new ClusterGateway("gw-a", kafka.brokers(), prefix, Map.of()).start().awaitReady(WAIT);
        shared.add(a);
        b = new ClusterGateway("gw-b", kafka.brokers(), prefix, Map.of()).start().awaitReady(WAIT);
        shared.add(b);
        balancer = new TcpProxy("balancer", List.of(a.port, b.port));
        shared.add(balancer);
    }

    @Override
    void newPrefix() {
        // one prefix for the class: the gateways are shared
    }

    @AfterAll
    void stopGateways() {
        for (int i = shared.size() - 1; i >= 0; i--) {
            try {
                shared.get(i).close();
            } catch (Exception e) {
                // go on
            }
        }
    }

    @RepeatedTest(6)
    void aNodeWhoseLinkIsCut_movesToTheOtherGateway_andGetsTheCommandsQueuedForIt_once_inOrder(RepetitionInfo rep)
            throws Exception {
        ClusterGateway from = rep.getCurrentRepetition() % 2 == 1 ? a : b;
        ClusterGateway to = from == a ? b : a;
        String id = "mover-" + rep.getCurrentRepetition();
        balancer.upAll();
        balancer.down(to.port); // the node finds `from` first
        RecordingNode node = node(id, balancer.port());
        awaitPresence(id, from.id, a, b);

        command(id, "c1", id + "-c1", 0);
        node.awaitReceived(1, WAIT);
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            acks.add(node.client.send("m" + i));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

        // the move: the link to `from` is cut, new connections go to `to`
        balancer.up(to.port);
        balancer.down(from.port);
        for (int i = 2; i <= 4; i++) {
            command(id, "c" + i, id + "-c" + i, 0); // while the node is away
        }
        for (int i = 4; i <= 6; i++) {
            acks.add(node.client.send("m" + i)); // sent once it is back
        }
        node.awaitReceived(4, WAIT);
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        awaitPresence(id, to.id, a, b);

        assertThat(node.received).containsExactly("c1", "c2", "c3", "c4");
        await().atMost(WAIT).until(() -> results().keySet().containsAll(
                List.of(id + "-c1", id + "-c2", id + "-c3", id + "-c4")));
        Map<String, String> results = results();
        assertThat(json.readTree(results.get(id + "-c1")).get("gatewayId").asText()).isEqualTo(from.id);
        for (int i = 1; i <= 4; i++) {
            assertThat(json.readTree(results.get(id + "-c" + i)).get("result").asText()).isEqualTo("delivered");
        }
        List<ConsumerRecord<String, String>> telemetry = readAll(prefix + ".telemetry");
        assertThat(valuesOf(telemetry, id)).containsExactly("m1", "m2", "m3", "m4", "m5", "m6");
        assertThat(telemetry.stream().filter(r -> id.equals(r.key()))
                .map(r -> header(r, EspLinkKafkaHeaders.GATEWAY_ID)).toList())
                .containsExactly(from.id, from.id, from.id, to.id, to.id, to.id);
        await().atMost(WAIT).until(this::commandsAllCommitted);
        node.close();
    }
}
