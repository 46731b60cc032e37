package io.esplink.camel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.esplink.core.EspLinkClient;
import io.esplink.core.NodeView;
import io.esplink.testing.FaultyProxy;
import io.esplink.testing.RecordingNode;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import org.apache.camel.AsyncProducer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.support.service.ServiceHelper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Many nodes and a gateway route, both ways, through a {@link FaultyProxy} that cuts, stalls, half-opens, resets and
 * slows down their connections at random: every message in both directions arrives exactly once and in order per
 * node (L8-L11, L13, L16, L20, L21), with the route in ack mode processed.
 * <p>
 * Each node first sends its message 0 and gets its command 0 on a clean network: ID 0 is the one ID the protocol may
 * deliver twice (L10, "duplicate rather than loss"), so it is kept out of the chaos. Then, while the proxy injects
 * faults, every node sends its other messages and the gateway sends it its other commands, spread over the chaos
 * window; then the proxy heals and the test waits (bounded) for everything to arrive.
 * <p>
 * System properties for longer runs: {@code esplink.chaos.nodes} (100), {@code esplink.chaos.messages} (N per node,
 * 20), {@code esplink.chaos.commands} (M per node, 10), {@code esplink.chaos.ms} (the chaos window, 12000),
 * {@code esplink.chaos.seed} (random, printed: pass it to replay a run's choices). For example
 * {@code mvn -pl camel-esplink test -Dtest=FaultyNetworkTest -Desplink.chaos.ms=300000 -Desplink.chaos.messages=400}.
 */
class FaultyNetworkTest extends EspLinkTestSupport {

    private static final long TIMEOUT = 1000;

    @Test
    void everyMessageBothWaysExactlyOnceInOrder_throughCutsStallsHalfOpenLinksResetsAndDrips() throws Exception {
        int nodes = Integer.getInteger("esplink.chaos.nodes", 100);
        int perNode = Integer.getInteger("esplink.chaos.messages", 20);
        int commandsPerNode = Integer.getInteger("esplink.chaos.commands", 10);
        long chaosMs = Long.getLong("esplink.chaos.ms", 12_000);
        long seed = Long.getLong("esplink.chaos.seed", System.nanoTime());
        String run = String.format("seed %d (-Desplink.chaos.seed=%d), %d nodes, %d messages and %d commands each",
                seed, seed, nodes, perNode, commandsPerNode);
        System.out.println("FaultyNetworkTest: " + run);

        Map<String, List<String>> atGateway = new ConcurrentHashMap<>();
        start(new RouteBuilder() {
            @Override
            public void configure() {
                // every node comes through the proxy, from one address: the limits per source address are off
                from(esplink("ackMode=processed&timeout=" + TIMEOUT
                             + "&maxConnectionsPerAddress=0&maxConnectionRatePerAddress=0")).routeId("record")
                        .process(e -> atGateway.computeIfAbsent(
                                e.getMessage().getHeader(EspLinkConstants.CLIENT_ID, String.class),
                                k -> new CopyOnWriteArrayList<>()).add(e.getMessage().getBody(String.class)));
            }
        });
        Endpoint toNodes = context.getEndpoint(esplink("timeout=" + TIMEOUT + "&sendTimeout=0"));
        AsyncProducer producer = toNodes.createAsyncProducer();
        ServiceHelper.startService(producer);

        FaultyProxy proxy = new FaultyProxy(port, seed, TIMEOUT);
        NioEventLoopGroup group = new NioEventLoopGroup(2);
        DefaultEventExecutorGroup notifiers = new DefaultEventExecutorGroup(2);
        ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
        List<RecordingNode> clients = new ArrayList<>();
        List<CompletableFuture<?>> sent = new CopyOnWriteArrayList<>();
        List<Exchange> exchanges = new CopyOnWriteArrayList<>();
        try {
            for (int i = 0; i < nodes; i++) {
                EspLinkClient c = EspLinkClient.builder(HOST, proxy.port(), id(i)).timeoutMs(TIMEOUT).group(group)
                        .notifier(notifiers.next()).build();
                clients.add(new RecordingNode(c));
                c.start();
            }

            // message 0 and command 0 on a clean network (see the class comment)
            exchangeRound(clients, 0, 0, producer, toNodes, sent, exchanges);
            awaitAll(sent, Duration.ofSeconds(30), run);
            proxy.chaos(true);

            long messageEvery = Math.max(1, chaosMs / perNode);
            for (int k = 1; k < perNode; k++) {
                int mk = k;
                pace.schedule(() -> exchangeRound(clients, mk, -1, producer, toNodes, sent, exchanges),
                        k * messageEvery, TimeUnit.MILLISECONDS);
            }
            long commandEvery = Math.max(1, chaosMs / commandsPerNode);
            for (int k = 1; k < commandsPerNode; k++) {
                int ck = k;
                pace.schedule(() -> exchangeRound(clients, -1, ck, producer, toNodes, sent, exchanges),
                        k * commandEvery, TimeUnit.MILLISECONDS);
            }
            pace.schedule(() -> proxy.chaos(false), chaosMs, TimeUnit.MILLISECONDS);
            pace.shutdown();
            assertThat(pace.awaitTermination(chaosMs + 10_000, TimeUnit.MILLISECONDS)).as("chaos window over").isTrue();
            Map<FaultyProxy.Fault, Long> faults = proxy.injected();

            // the network heals: everything arrives, once, in order
            awaitAll(sent, Duration.ofSeconds(60), run);
            assertThat(exchanges).as("failed sends to nodes, %s", run)
                    .allSatisfy(ex -> assertThat(ex.getException()).isNull());
            await().atMost(Duration.ofSeconds(20)).until(() -> clients.stream()
                    .allMatch(r -> r.received.size() >= commandsPerNode
                                   && atGateway.getOrDefault(r.client.clientId(), List.of()).size() >= perNode));
            for (int i = 0; i < nodes; i++) {
                String id = id(i);
                assertThat(atGateway.get(id)).as("messages of %s at the gateway, %s", id, run)
                        .containsExactlyElementsOf(numbered("m-" + id + "-", perNode));
                assertThat(clients.get(i).received).as("commands at %s, %s", id, run)
                        .containsExactlyElementsOf(numbered("c-" + id + "-", commandsPerNode));
            }

            long outages = clients.stream().mapToLong(r -> r.client.outages()).sum();
            long nodeResends = clients.stream().mapToLong(r -> r.client.retransmissions()).sum();
            long nodeDuplicates = clients.stream().mapToLong(r -> r.client.duplicates()).sum();
            long gatewayResends = server().nodes().stream().mapToLong(NodeView::retransmissions).sum();
            long gatewayDuplicates = server().nodes().stream().mapToLong(NodeView::duplicatesIn).sum();
            System.out.printf("FaultyNetworkTest: %s: faults %s over %d connections; %d outages; resends %d by nodes, "
                              + "%d by the gateway; duplicates dropped %d by nodes, %d by the gateway%n",
                    run, faults, proxy.connections(), outages, nodeResends, gatewayResends, nodeDuplicates,
                    gatewayDuplicates);
            Map<FaultyProxy.Fault, Long> none = new EnumMap<>(FaultyProxy.Fault.class);
            faults.forEach((f, n) -> {
                if (n == 0) {
                    none.put(f, n);
                }
            });
            if (nodes >= 50 && chaosMs >= 10_000) {
                assertThat(none).as("faults never injected, %s", run).isEmpty();
            }
        } finally {
            pace.shutdownNow();
            for (RecordingNode r : clients) {
                r.client.close();
            }
            proxy.close();
            ServiceHelper.stopService(producer);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            notifiers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Message {@code mk} of every node and command {@code ck} to every node (-1: none), queued in order. */
    private static void exchangeRound(List<RecordingNode> clients, int mk, int ck, AsyncProducer producer,
                                      Endpoint toNodes, List<CompletableFuture<?>> sent, List<Exchange> exchanges) {
        for (RecordingNode r : clients) {
            String id = r.client.clientId();
            if (mk >= 0) {
                sent.add(r.client.send("m-" + id + "-" + mk));
            }
            if (ck >= 0) {
                Exchange ex = toNodes.createExchange();
                ex.getMessage().setHeader(EspLinkConstants.CLIENT_ID, id);
                ex.getMessage().setBody("c-" + id + "-" + ck);
                CompletableFuture<Exchange> done = new CompletableFuture<>();
                producer.process(ex, doneSync -> done.complete(ex));
                exchanges.add(ex);
                sent.add(done);
            }
        }
    }

    private static void awaitAll(List<CompletableFuture<?>> futures, Duration wait, String run) {
        CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]));
        await().atMost(wait).until(all::isDone);
        assertThat(all).as("every send completed without failure, %s", run).isCompleted();
    }

    private static String id(int i) {
        return String.format("node-%03d", i);
    }

    private static List<String> numbered(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i).collect(Collectors.toList());
    }
}
