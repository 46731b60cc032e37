package io.esplink.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The default build's proof that the tools work: the load tool drives 10 nodes against the ceiling server for a
 * second, and the counters add up. Seconds, not a benchmark.
 */
class LoadToolSmokeTest {

    /** KAs every 250 ms on both sides: a one-second window holds four. */
    static final long TIMEOUT_MS = 1000;

    private CeilingServer ceiling;
    private int port;

    private void startCeiling(boolean echo) throws Exception {
        ceiling = new CeilingServer();
        ceiling.port = 0;
        ceiling.echo = echo;
        ceiling.timeoutMs = TIMEOUT_MS;
        port = ceiling.bind();
        ceiling.start("test-ceiling");
    }

    @AfterEach
    void stopCeiling() {
        if (ceiling != null) {
            ceiling.stop();
        }
    }

    private LoadTool tool(LoadEngine.Mode mode) {
        LoadTool t = new LoadTool();
        t.mode = mode;
        t.port = port;
        t.nodes = 10;
        t.timeoutMs = TIMEOUT_MS;
        t.warmup = Duration.ofMillis(200);
        t.duration = Duration.ofSeconds(1);
        t.progress = Duration.ZERO;
        t.out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return t;
    }

    @Test
    void ingestCountersAddUp() throws Exception {
        startCeiling(false);
        LoadResult r = tool(LoadEngine.Mode.ingest).run(new LoadTool.Hooks() {
        });
        Counters c = r.total;
        assertThat(r.everUp).isEqualTo(10);
        assertThat(r.upAtEnd).isEqualTo(10);
        assertThat(c.connects).isEqualTo(10);
        assertThat(c.sent).isPositive();
        assertThat(c.acked).as("every message ACKed after the drain").isEqualTo(c.sent);
        assertThat(r.window.acked).isPositive();
        assertThat(r.ackLatency.getTotalCount()).isEqualTo(r.window.acked);
        assertThat(c.received).isZero();
        assertThat(c.duplicates + c.retransmissions + c.outages() + c.refused + c.handshakeTimeouts + c.connectFailures
                   + c.badLines + c.strayAcks).isZero();
        assertThat(ceiling.messages()).isEqualTo(c.sent);
    }

    @Test
    void echoCountersAddUp() throws Exception {
        startCeiling(true);
        LoadResult r = tool(LoadEngine.Mode.echo).run(new LoadTool.Hooks() {
        });
        Counters c = r.total;
        assertThat(r.everUp).isEqualTo(10);
        assertThat(c.sent).isPositive();
        assertThat(c.acked).isEqualTo(c.sent);
        assertThat(c.echoed).as("an echo for every message").isEqualTo(c.sent);
        assertThat(ceiling.echoes()).isEqualTo(c.sent);
        assertThat(r.echoLatency.getTotalCount()).isEqualTo(r.window.echoed);
        assertThat(c.duplicates + c.retransmissions + c.outages() + c.echoTimeouts + c.strayAcks).isZero();
    }

    @Test
    void idleNodesStayUpOnKeepalives() throws Exception {
        startCeiling(false);
        LoadTool t = tool(LoadEngine.Mode.idle);
        LoadResult r = t.run(new LoadTool.Hooks() {
        });
        assertThat(r.upAtEnd).isEqualTo(10);
        assertThat(r.total.sent).isZero();
        assertThat(r.total.outages()).isZero();
    }

    @Test
    void duplicateWindowFollowsL10() {
        Wire.DupWindow w = new Wire.DupWindow();
        assertThat(w.accept(0)).isTrue();
        assertThat(w.accept(1)).isTrue();
        assertThat(w.accept(1)).isFalse();
        assertThat(w.accept(0)).as("ID 0 is always delivered").isTrue();
        assertThat(w.accept(1)).as("ID 0 cleared the window").isTrue();
        assertThat(w.accept(129)).isTrue(); // clears the byte of IDs 0-7
        assertThat(w.accept(1)).as("forgotten 128 IDs later").isTrue();
        Wire.MidCounter m = new Wire.MidCounter();
        assertThat(m.take()).isZero();
        for (int i = 1; i <= 255; i++) {
            assertThat(m.take()).isEqualTo(i);
        }
        assertThat(m.take()).as("0 is never reused").isEqualTo(1);
    }

    /** A server that reads every byte (or none) of every connection and counts the lines. */
    private static final class Sink implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicLong lines = new AtomicLong();
        final AtomicLong connections = new AtomicLong();

        Sink(boolean read) throws IOException {
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        connections.incrementAndGet();
                        if (!read) {
                            continue; // never read: the writer's buffers fill and it blocks
                        }
                        Thread r = new Thread(() -> {
                            byte[] b = new byte[65536];
                            try (s; InputStream in = s.getInputStream()) {
                                for (int n = in.read(b); n >= 0; n = in.read(b)) {
                                    for (int i = 0; i < n; i++) {
                                        if (b[i] == '\n') {
                                            lines.incrementAndGet();
                                        }
                                    }
                                }
                            } catch (IOException e) {
                                // closed
                            }
                        });
                        r.setDaemon(true);
                        r.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static Flood.Settings flood(InetSocketAddress target) {
        Flood.Settings s = new Flood.Settings();
        s.target = target;
        s.threads = 2;
        s.duration = Duration.ofSeconds(1);
        s.linesPerConnection = 16;
        s.afterIdMs = 10;
        s.pauseMs = 10;
        s.stallMs = 300;
        return s;
    }

    @Test
    void floodWritesItsLinesAndStopsByItself() throws Exception {
        try (Sink sink = new Sink(true)) {
            Flood f = new Flood(flood(sink.address()));
            long t0 = System.nanoTime();
            f.start();
            Flood.Result r = f.join();
            assertThat((System.nanoTime() - t0) / 1e9).as("ends at its deadline").isLessThan(3);
            assertThat(r.connections()).isGreaterThanOrEqualTo(2);
            assertThat(r.idLines()).isEqualTo(r.connections());
            assertThat(r.linesWritten()).isGreaterThanOrEqualTo(2 * 16);
            assertThat(r.bytesWritten()).as("16 KB - 10 of x, two hex digits and a newline a line")
                    .isGreaterThanOrEqualTo(r.linesWritten() * (16 * 1024 - 10 + 3));
            assertThat(r.errors() + r.stalls()).isZero();
            long expected = r.linesWritten() + r.idLines();
            long end = System.nanoTime() + 2_000_000_000L;
            while (sink.lines.get() < expected && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertThat(sink.lines.get()).as("every line written arrived").isEqualTo(expected);
        }
    }

    @Test
    void floodAgainstAServerThatNeverReadsStillEnds() throws Exception {
        try (Sink sink = new Sink(false)) {
            Flood.Settings s = flood(sink.address());
            s.linesPerConnection = 4096; // 64 MB a connection: more than the socket buffers take
            Flood f = new Flood(s);
            long t0 = System.nanoTime();
            f.start();
            Flood.Result r = f.join();
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(3);
            assertThat(r.stalls()).as("blocked writes closed by the watchdog").isPositive();
            assertThat(r.linesWritten()).isPositive();
        }
    }

    @Test
    void bystanderGetsItsAcks() throws Exception {
        startCeiling(false);
        Flood.Bystander b = Flood.bystander(new InetSocketAddress("127.0.0.1", port),
                InetAddress.getByName("127.0.0.2"), "bystander:secret", 3, TIMEOUT_MS, Duration.ofSeconds(5));
        assertThat(b.ok()).as(b.toString()).isTrue();
        assertThat(b.acked()).isEqualTo(3);
        assertThat(ceiling.messages()).isEqualTo(3);
    }
}
