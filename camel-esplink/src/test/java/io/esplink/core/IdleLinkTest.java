package io.esplink.core;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.esplink.testing.RawNode;
import io.esplink.testing.TestGateway;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.channel.epoll.EpollEventLoopGroup;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What keeps an idle fleet cheap, on the gateway's real transport (epoll, loops that pause when idle): keepalives
 * written straight to the socket keep their rules (L12, L13) and never cut into a line waiting to go out; a loop
 * that pauses still runs what is handed to it.
 */
class IdleLinkTest {

    private static final ThreadFactory DAEMONS = Executors.defaultThreadFactory();

    private static TestGateway epollGateway(ServerConfig config) {
        assumeTrue(Transports.epollAvailable(), "Netty's epoll transport does not load here");
        EventLoopGroup boss = Transports.eventLoopGroup(1, DAEMONS, true);
        EventLoopGroup io = Transports.eventLoopGroup(2, DAEMONS, true, 500);
        assertThat(io).isInstanceOf(EpollEventLoopGroup.class);
        return new TestGateway(config, AckMode.RECEIVED, boss, io);
    }

    @Test
    void L12_L13_directKeepalivesKeepAQuietNodeUp_andASilentOneIsStillDeclaredDown() throws Exception {
        try (TestGateway gw = epollGateway(new ServerConfig().timeoutMs(800))) {
            try (RawNode node = new RawNode(gw.port())) {
                node.write("n\n");
                // the node sends a KA every 200 ms for 2 s; the gateway one every 200 ms: at least 8 of them, only them
                List<String> lines = new ArrayList<>();
                int keepalives = 0;
                long end = System.currentTimeMillis() + 2000;
                while (System.currentTimeMillis() < end) {
                    node.write("\n");
                    long until = System.currentTimeMillis() + 200;
                    String line;
                    while (System.currentTimeMillis() < until
                           && (line = node.readLine(Math.max(1, until - System.currentTimeMillis()))) != null) {
                        if (line.isEmpty()) {
                            keepalives++;
                        } else {
                            lines.add(line);
                        }
                    }
                }
                assertThat(lines).as("nothing but keepalives").isEmpty();
                assertThat(keepalives).isGreaterThanOrEqualTo(8);
                assertThat(gw.server.node("n").connected()).isTrue();
                assertThat(gw.server.node("n").connectCount()).isEqualTo(1);
                // now silent: down after the timeout, for that reason
                assertThat(node.closedWithin(5000)).isTrue();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> gw.events.stream()
                    .anyMatch(e -> e.type() == SessionEvent.Type.DISCONNECTED
                                   && e.reason().startsWith("timeout: nothing received")));
        }
    }

    @Test
    void L2_L12_aKeepaliveNeverCutsIntoLinesWaitingToGoOut() throws Exception {
        int count = 8;
        int size = 6000;
        try (TestGateway gw = epollGateway(new ServerConfig().timeoutMs(400).writeDelayMs(0));
             Socket s = new Socket()) {
            s.setReceiveBufferSize(2048); // a small window: most of the lines wait on the gateway
            s.connect(new InetSocketAddress("127.0.0.1", gw.port()), 5000);
            OutputStream out = s.getOutputStream();
            out.write("n\n\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> gw.server.node("n") != null
                                                              && gw.server.node("n").connected());
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(String.valueOf((char) ('a' + i)).repeat(size));
                gw.send("n", sent.get(i), false, false, 0);
            }
            // the node reads nothing for 1.2 s but keeps the link up: the gateway's KAs (every 100 ms) meet a
            // socket that is full and lines waiting behind it
            for (int i = 0; i < 24; i++) {
                out.write('\n');
                out.flush();
                Thread.sleep(50);
            }
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            List<String> got = new ArrayList<>();
            while (got.size() < count) {
                out.write('\n');
                String line = in.readLine();
                assertThat(line).as("a line").isNotNull();
                if (!line.isEmpty()) {
                    got.add(line);
                }
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                expected.add(String.format("%02x", i) + sent.get(i));
            }
            assertThat(got).as("every line whole, in order, no KA inside one").isEqualTo(expected);
            assertThat(gw.server.node("n").connectCount()).isEqualTo(1);
        }
    }

    @Test
    void aPausingLoopRunsTasksHandedToIt_andItsTimers() throws Exception {
        assumeTrue(Transports.epollAvailable(), "Netty's epoll transport does not load here");
        // the gateway's strategy (500 us), counting each time the loop found nothing ready and so begins its pause
        AtomicInteger pauses = new AtomicInteger();
        SelectStrategyFactory counting = () -> {
            CoalescingSelectStrategy strategy = new CoalescingSelectStrategy(TimeUnit.MICROSECONDS.toNanos(500));
            return (selectNow, hasTasks) -> strategy.calculateStrategy(() -> {
                int ready = selectNow.get();
                if (ready == 0 && !hasTasks) {
                    pauses.incrementAndGet();
                }
                return ready;
            }, hasTasks);
        };
        EventLoopGroup group = new EpollEventLoopGroup(1, DAEMONS, counting);
        try {
            int seen = pauses.get();
            group.submit(() -> { }).sync(); // the loop's thread starts with its first task
            for (int i = 0; i < 50; i++) {
                int last = seen;
                // idle again after the last task: it pauses, then blocks, until the next task
                await().atMost(Duration.ofSeconds(5)).until(() -> pauses.get() > last);
                seen = pauses.get();
                CountDownLatch ran = new CountDownLatch(1);
                group.execute(ran::countDown);
                assertThat(ran.await(2, TimeUnit.SECONDS)).as("task %d", i).isTrue();
            }
            AtomicLong ticks = new AtomicLong();
            group.scheduleAtFixedRate(ticks::incrementAndGet, 10, 10, TimeUnit.MILLISECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> ticks.get() >= 20);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void theStrategyGoesOnAtOnceWhenAnythingIsReady_andPausesOnlyWhenNothingIs() throws Exception {
        CoalescingSelectStrategy s = new CoalescingSelectStrategy(TimeUnit.MILLISECONDS.toNanos(50));
        long t0 = System.nanoTime();
        assertThat(s.calculateStrategy(() -> 3, false)).as("channels ready").isEqualTo(3);
        assertThat(s.calculateStrategy(() -> 0, true)).as("tasks waiting").isZero();
        assertThat(System.nanoTime() - t0).as("no pause").isLessThan(TimeUnit.MILLISECONDS.toNanos(40));
        long t1 = System.nanoTime();
        assertThat(s.calculateStrategy(() -> 0, false)).isEqualTo(SelectStrategy.SELECT);
        assertThat(System.nanoTime() - t1).as("the pause").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(45));
    }
}
