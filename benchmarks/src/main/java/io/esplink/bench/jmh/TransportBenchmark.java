package io.esplink.bench.jmh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ByteProcessor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the transport alone costs: a Netty server on one event loop that answers each line with a 3-byte ACK, on NIO
 * (what EspLinkServer uses) and on native epoll, one node round trip per operation. The difference is what moving
 * the gateway to epoll would buy at most on this path.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class TransportBenchmark {

    @Param({ "nio", "epoll" })
    String transport;

    private EventLoopGroup group;
    private Channel server;
    private java.nio.channels.SocketChannel node;
    private final ByteBuffer in = ByteBuffer.allocateDirect(4096);
    private ByteBuffer line;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        boolean epoll = transport.equals("epoll");
        if (epoll && !Epoll.isAvailable()) {
            throw new IllegalStateException("epoll is not available here: " + Epoll.unavailabilityCause());
        }
        group = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        server = new ServerBootstrap().group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new Acker());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        node = java.nio.channels.SocketChannel.open((InetSocketAddress) server.localAddress());
        node.setOption(StandardSocketOptions.TCP_NODELAY, true);
        line = ByteBuffer.wrap("0a{\"n\":\"jmh-node\",\"s\":1,\"t\":2,\"p\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n"
                .getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes "0a\n" for every newline it reads. */
    static final class Acker extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            int lines = 0;
            int i = b.readerIndex();
            int end = b.writerIndex();
            while (i < end) {
                int lf = b.forEachByte(i, end - i, ByteProcessor.FIND_LF);
                if (lf < 0) {
                    break;
                }
                lines++;
                i = lf + 1;
            }
            b.release();
            for (int k = 0; k < lines; k++) {
                ctx.write(ctx.alloc().buffer(3).writeByte('0').writeByte('a').writeByte('\n'));
            }
            ctx.flush();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        node.close();
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Benchmark
    public void roundTrip() throws IOException {
        ByteBuffer b = line.duplicate();
        while (b.hasRemaining()) {
            node.write(b);
        }
        int got = 0;
        while (got < 3) {
            in.clear();
            int n = node.read(in);
            if (n < 0) {
                throw new IOException("closed");
            }
            got += n;
        }
    }
}
