package io.esplink.camel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The batching consumer: node messages of many nodes in one exchange (a List of EspLinkMessage), acknowledged after
 * the exchange completed, none of them if it failed; each node's messages in order within and across batches.
 */
class BatchingConsumerTest extends EspLinkTestSupport {

    private final List<List<EspLinkMessage>> batches = new CopyOnWriteArrayList<>();

    @SuppressWarnings("unchecked")
    private static List<EspLinkMessage> messages(org.apache.camel.Exchange e) {
        return e.getMessage().getBody(List.class);
    }

    @Test
    void batchesMixNodes_everyMessageOnce_inOrderPerNode_atMostMaxBatchSize() throws Exception {
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("ackMode=processed&timeout=1000&batching=true&maxBatchSize=50&batchingIntervalMs=20"))
                        .process(e -> {
                            batches.add(new ArrayList<>(messages(e)));
                            assertThat(e.getMessage().getHeader(EspLinkConstants.BATCH_SIZE, Integer.class))
                                    .isEqualTo(messages(e).size());
                        });
            }
        });
        int nodes = 5;
        int each = 60;
        List<TestNode> ns = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            ns.add(upNode("n" + n, 1000));
        }
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < each; i++) {
            for (TestNode n : ns) {
                acks.add(n.client.send("m" + i, true, false)); // no wait: several unacknowledged per node
            }
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        Map<String, List<String>> byNode = new ConcurrentHashMap<>();
        for (List<EspLinkMessage> b : batches) {
            assertThat(b).hasSizeLessThanOrEqualTo(50);
            for (EspLinkMessage m : b) {
                byNode.computeIfAbsent(m.clientId(), k -> new ArrayList<>()).add(m.payload());
                assertThat(m.remoteAddress()).startsWith("127.0.0.1:");
                assertThat(m.connectCount()).isEqualTo(1);
            }
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < each; i++) {
            expected.add("m" + i);
        }
        for (TestNode n : ns) {
            assertThat(byNode.get(n.client.clientId())).as(n.client.clientId()).containsExactlyElementsOf(expected);
        }
        assertThat(batches).as("fewer exchanges than messages").hasSizeLessThan(nodes * each);
        assertThat(batches).anyMatch(b -> b.stream().map(EspLinkMessage::clientId).distinct().count() > 1);
    }

    @Test
    void aFailedBatch_isNotAcknowledged_andEachOfItsMessagesIsStoredOnceAfterTheResend() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<String> stored = new CopyOnWriteArrayList<>();
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(esplink("ackMode=processed&timeout=500&batching=true&maxBatchSize=10&batchingIntervalMs=50"))
                        .process(e -> {
                            if (calls.incrementAndGet() == 1) {
                                throw new IllegalStateException("database down for this batch");
                            }
                            messages(e).forEach(m -> stored.add(m.clientId() + ":" + m.payload()));
                        });
            }
        });
        TestNode a = upNode("a", 500);
        TestNode b = upNode("b", 500);
        CompletableFuture<Void> fa = a.client.send("x");
        CompletableFuture<Void> fb = b.client.send("y");
        fa.get(20, TimeUnit.SECONDS);
        fb.get(20, TimeUnit.SECONDS);
        assertThat(a.client.retransmissions() + b.client.retransmissions()).as("resent after the failed batch")
                .isPositive();
        a.client.send("x2").get(20, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> stored.size() == 3);
        assertThat(stored).containsExactlyInAnyOrder("a:x", "b:y", "a:x2");
    }
}
