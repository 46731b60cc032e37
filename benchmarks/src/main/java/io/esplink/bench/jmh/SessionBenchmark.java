package io.esplink.bench.jmh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.esplink.core.AckMode;
import io.esplink.core.EspLinkListener;
import io.esplink.core.EspLinkServer;
import io.esplink.core.InboundMessage;
import io.esplink.core.ServerConfig;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The gateway's session hot path without Camel: a core {@link EspLinkServer} on loopback (one I/O thread, one
 * delivery thread) with a listener that does nothing, and one node in the benchmark thread. {@code roundTrip}: one
 * message, then its ACK (wait on: the latency a node sees). {@code pipelined}: 64 messages in one write, then their
 * 64 ACKs (wait off: the server's cost per message, syscalls shared). In ack mode processed each message also goes
 * through the delivery executor and back before its ACK.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class SessionBenchmark {

    static final int BATCH = 64;

    @Param({ "received", "processed" })
    String ackMode;

    private NioEventLoopGroup boss;
    private NioEventLoopGroup io;
    private DefaultEventExecutorGroup delivery;
    private EspLinkServer server;
    private SocketChannel node;
    private final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
    private ByteBuffer[] lines;
    private ByteBuffer batch;
    private int mid;
    private int batchStart = 1;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        boss = new NioEventLoopGroup(1);
        io = new NioEventLoopGroup(1);
        delivery = new DefaultEventExecutorGroup(1);
        server = new EspLinkServer(new ServerConfig().host("127.0.0.1").port(0), boss, io, delivery, null);
        AckMode mode = AckMode.valueOf(ackMode.toUpperCase(java.util.Locale.ROOT));
        server.addListener(null, new EspLinkListener() {
            @Override
            public AckMode ackMode() {
                return mode;
            }

            @Override
            public boolean wantsEvents() {
                return false;
            }

            @Override
            public void onMessage(InboundMessage message) {
                message.done(true);
            }
        });
        server.start();
        node = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.localPort()));
        node.setOption(StandardSocketOptions.TCP_NODELAY, true);
        node.write(ByteBuffer.wrap("jmh-node\n".getBytes(StandardCharsets.US_ASCII)));
        readLines(1, true); // L14: the gateway's first line (a KA)
        String payload = "{\"n\":\"jmh-node\",\"s\":1,\"t\":2,\"p\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}";
        lines = new ByteBuffer[256];
        for (int m = 0; m < 256; m++) {
            lines[m] = ByteBuffer.wrap((String.format("%02x", m) + payload + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        batch = ByteBuffer.allocate(BATCH * lines[1].capacity());
        // ID 0 first, as a node after its start (L8)
        ByteBuffer first = lines[0].duplicate();
        while (first.hasRemaining()) {
            node.write(first);
        }
        readLines(1, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        node.close();
        server.stop();
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        delivery.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One message, then its ACK. */
    @Benchmark
    public void roundTrip() throws IOException {
        mid = mid == 255 ? 1 : mid + 1;
        ByteBuffer b = lines[mid].duplicate();
        while (b.hasRemaining()) {
            node.write(b);
        }
        readLines(1, false);
    }

    /** 64 messages in one write, then 64 ACKs; per message. IDs stay within 64 of each other (L10's 128). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void pipelined() throws IOException {
        batch.clear();
        for (int i = 0; i < BATCH; i++) {
            int m = batchStart + i;
            batch.put(lines[m].duplicate());
        }
        batchStart = batchStart + BATCH > 255 - BATCH ? 1 : batchStart + BATCH;
        batch.flip();
        while (batch.hasRemaining()) {
            node.write(batch);
        }
        readLines(BATCH, false);
    }

    /** Reads until {@code n} lines arrived: non-empty ones (ACKs), or any with {@code countKa}. */
    private void readLines(int n, boolean countKa) throws IOException {
        int got = 0;
        int lineLen = 0;
        while (got < n) {
            in.clear();
            if (node.read(in) < 0) {
                throw new IOException("closed by the server");
            }
            in.flip();
            while (in.hasRemaining()) {
                if (in.get() == '\n') {
                    if (lineLen > 0 || countKa) {
                        got++;
                    }
                    lineLen = 0;
                } else {
                    lineLen++;
                }
            }
        }
    }
}
