package io.esplink.core;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 9, "trust no socket": a gateway that accepts any client ID must not keep what strangers leave behind. A
 * session outlives its connections (L16), so without bounds anyone who reaches the port could make the gateway keep
 * state for every new ID, one short connection each. Sessions are bounded by {@code maxSessions} (the oldest idle
 * ones go first) and {@code sessionExpiry}, and a session that never sent or got a message holds no per-ID tables
 * (they are made at its first message). 100,000 one-shot connections with new IDs, which send nothing but their ID,
 * must leave the gateway holding at most {@code maxSessions} sessions and less than 16 MB more heap (the per-address connection rate limit, which would refuse
 * most of them, is off here: it is not what this test measures). The connections come from 127.0.0.2 to 127.0.0.9 in
 * turn, so that the client side's closed sockets (TIME_WAIT) do not use up one address's ephemeral ports.
 */
class StrangerSessionsAreBoundedTest {

    private static final int IDS = 100_000;
    private static final int SOURCES = 8;

    @Test
    void oneShotConnectionsWithNewIds_doNotGrowTheGatewayWithoutBound() throws Exception {
        NioEventLoopGroup boss = new NioEventLoopGroup(1);
        NioEventLoopGroup io = new NioEventLoopGroup(2);
        DefaultEventExecutorGroup delivery = new DefaultEventExecutorGroup(1);
        // the per-address rate limit would refuse most connections: it is not what is measured here
        ServerConfig config = new ServerConfig().host("127.0.0.1").port(0).maxConnectionRatePerAddress(0)
                .maxSessions(10_000); // the bound measured here (the default follows the test JVM's large heap)
        EspLinkServer server = new EspLinkServer(config, boss, io, delivery, null);
        try (FuzzLogs quiet = FuzzLogs.quiet()) {
            server.start();
            long before = heapAfterGc();
            for (int i = 0; i < IDS; i++) {
                InetAddress source = InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i % SOURCES)});
                try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), server.localPort(), source, 0)) {
                    s.setSoTimeout(5000);
                    s.getOutputStream().write(("stranger-" + i + "\n").getBytes(StandardCharsets.UTF_8));
                    awaitFirstByte(s.getInputStream()); // the keepalive that follows an accepted ID (L14)
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> server.connectionCount() == 0);
            assertThat(server.nodes().size()).as("sessions kept of %d one-shot IDs", IDS)
                    .isLessThanOrEqualTo(config.maxSessions());
            long grown = heapAfterGc() - before;
            assertThat(grown).as("heap kept after %d one-shot connections with new IDs (%d nodes known)", IDS,
                    server.nodes().size()).isLessThan(16L << 20);
        } finally {
            server.stop();
            boss.shutdownGracefully();
            io.shutdownGracefully();
            delivery.shutdownGracefully();
        }
    }

    private static void awaitFirstByte(InputStream in) throws IOException {
        assertThat(in.read()).as("a keepalive").isEqualTo('\n');
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
