package io.esplink.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.esplink.core.Frame;
import io.esplink.core.FrameDecoder;
import io.esplink.core.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The wire codec of the core: {@link FrameDecoder} cutting a stream of message lines and KAs into frames (as a node's
 * bytes arrive: many lines per read), classifying one line, and {@link Protocol#message} encoding a message line.
 * Time per line.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class CodecBenchmark {

    /** Lines per decoded read: 7 messages then a KA, repeated. */
    static final int LINES = 64;

    @Param({ "64", "512" })
    int payloadBytes;

    private ByteBuf stream;
    private ByteBuf oneLine;
    private int oneLineLength;
    private EmbeddedChannel channel;
    private String payload;
    private int mid;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

    @Setup(Level.Trial)
    public void setUp() {
        StringBuilder p = new StringBuilder("{\"n\":\"bench-00001\",\"s\":123456,\"t\":987654321,\"p\":\"");
        while (p.length() < payloadBytes - 2) {
            p.append('x');
        }
        payload = p.append("\"}").toString();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < LINES; i++) {
            if (i % 8 == 7) {
                sb.append('\n');
            } else {
                sb.append(Protocol.hex(i + 1)).append(payload).append('\n');
            }
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        stream = Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes));
        byte[] line = (Protocol.hex(10) + payload).getBytes(StandardCharsets.UTF_8);
        oneLine = Unpooled.unreleasableBuffer(Unpooled.directBuffer(line.length).writeBytes(line));
        oneLineLength = line.length;
        channel = new EmbeddedChannel(new FrameDecoder(Protocol.DEFAULT_MAX_LINE_LENGTH, false), new Sink());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    /** Frames go nowhere but a counter (the session handler's work is not measured here). */
    static final class Sink extends ChannelInboundHandlerAdapter {
        long frames;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Frame) {
                frames++;
            }
        }
    }

    /** FrameDecoder on a read of 64 lines (56 messages, 8 KAs), through a channel pipeline; per line. */
    @Benchmark
    @OperationsPerInvocation(LINES)
    public void decodeStream() {
        channel.pipeline().fireChannelRead(stream.duplicate());
        channel.pipeline().fireChannelReadComplete();
    }

    /** Classifying one message line (L4-L6): hex ID and the payload decoded to a String. */
    @Benchmark
    public Frame parseLine() {
        return FrameDecoder.parse(oneLine, 0, oneLineLength);
    }

    /** Encoding one message line into a pooled buffer, released at once. */
    @Benchmark
    public void encodeMessage(Blackhole bh) {
        mid = mid == 255 ? 1 : mid + 1;
        ByteBuf b = Protocol.message(alloc, mid, payload);
        bh.consume(b.readableBytes());
        b.release();
    }

    /** An ACK line: a view on a shared buffer. */
    @Benchmark
    public ByteBuf encodeAck() {
        mid = mid == 255 ? 1 : mid + 1;
        return Protocol.ack(mid);
    }
}
