package io.esplink.testing;

import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * A TCP proxy on 127.0.0.1 that breaks the connections it carries, for tests of what survives a bad network. Each
 * accepted connection (the "node" side) gets its own connection to the target (the "gateway" side), and while
 * {@linkplain #chaos(boolean) chaos} is on, each such pair meets, at random moments, one of the {@link Fault}s.
 * <p>
 * Randomness comes from one seed: each connection draws from its own {@code Random(seed, connection number)}, so
 * the faults a connection gets and their parameters depend on the seed (their exact moments also on the scheduling of
 * the test). Everything of one pair runs on one event loop, so a pair needs no locks.
 */
public final class FaultyProxy implements AutoCloseable {

    /** What can happen to a connection. */
    public enum Fault {
        /** Both sides closed (FIN). */
        CUT,
        /** Nothing forwarded either way (nothing read: TCP holds the bytes) for longer than the link timeout. */
        STALL,
        /** Nothing forwarded one way (read and dropped), the sockets kept open: one side hears the other, not back. */
        HALF_OPEN,
        /** Both sides closed with SO_LINGER 0 (RST): what was in flight is lost. */
        RESET,
        /** For a few seconds, one or both ways, one byte at a time with pauses. */
        SLOW_DRIP
    }

    /** Node to gateway, gateway to node. */
    private static final int UP = 0;
    private static final int DOWN = 1;
    /** While dripping, at most this much is queued before reading from the source stops. */
    private static final int DRIP_QUEUE_MAX = 4096;

    private final long seed;
    private final long timeoutMs;
    private final int targetPort;
    private final NioEventLoopGroup group;
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final Map<Fault, AtomicLong> injected = new EnumMap<>(Fault.class);
    private volatile boolean chaos;

    /**
     * @param targetPort where to connect each accepted connection (127.0.0.1)
     * @param seed       the seed of every random choice
     * @param timeoutMs  the link timeout of the ends, to size stalls (longer) and drips
     */
    public FaultyProxy(int targetPort, long seed, long timeoutMs) {
        this.targetPort = targetPort;
        this.seed = seed;
        this.timeoutMs = timeoutMs;
        for (Fault f : Fault.values()) {
            injected.put(f, new AtomicLong());
        }
        group = new NioEventLoopGroup(2);
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        new Pair(ch, connections.incrementAndGet());
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    public int port() {
        return ((java.net.InetSocketAddress) server.localAddress()).getPort();
    }

    /** Turns fault injection on or off; connections already broken stay broken. */
    public void chaos(boolean on) {
        this.chaos = on;
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** How many of each fault were injected so far. */
    public Map<Fault, Long> injected() {
        Map<Fault, Long> out = new EnumMap<>(Fault.class);
        injected.forEach((f, n) -> out.put(f, n.get()));
        return out;
    }

    public long seed() {
        return seed;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One proxied connection: the node side, the gateway side, and what is being done to them. */
    private final class Pair {
        final Channel[] side = new Channel[2]; // [UP] reads from the node, [DOWN] reads from the gateway
        final Random random;
        final Mode[] mode = { Mode.FORWARD, Mode.FORWARD };
        final List<ArrayDeque<ByteBuf>> queue = List.of(new ArrayDeque<>(), new ArrayDeque<>());
        final int[] queued = new int[2];
        final ScheduledFuture<?>[] drip = new ScheduledFuture<?>[2];
        boolean closed;

        Pair(Channel node, int number) {
            random = new Random(seed * 1_000_003L + number);
            side[UP] = node;
            node.pipeline().addLast(new Relay(UP));
            new Bootstrap().group(node.eventLoop()).channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new Relay(DOWN))
                    .connect("127.0.0.1", targetPort)
                    .addListener((ChannelFutureListener) f -> {
                        if (!f.isSuccess()) {
                            node.close();
                            return;
                        }
                        side[DOWN] = f.channel();
                        if (!node.isActive()) {
                            closeBoth(false);
                            return;
                        }
                        node.config().setAutoRead(true);
                        side[DOWN].config().setAutoRead(true);
                        scheduleNextFault();
                    });
        }

        /** Bytes read on {@code from}'s side, to go to the other. */
        void read(int from, ByteBuf bytes) {
            if (closed) {
                bytes.release();
                return;
            }
            switch (mode[from]) {
                case DROP:
                    bytes.release();
                    return;
                case HOLD:
                case DRIP:
                    enqueue(from, bytes);
                    return;
                default:
                    if (!queue.get(from).isEmpty()) {
                        enqueue(from, bytes); // still draining what a drip or stall held: keep the order
                        flush(from);
                        return;
                    }
                    Channel to = side[1 - from];
                    if (to != null) {
                        to.writeAndFlush(bytes);
                    } else {
                        bytes.release();
                    }
            }
        }

        void enqueue(int from, ByteBuf bytes) {
            queue.get(from).add(bytes);
            queued[from] += bytes.readableBytes();
            if (queued[from] > DRIP_QUEUE_MAX) {
                side[from].config().setAutoRead(false); // back-pressure: TCP holds the rest
            }
        }

        /** Writes everything queued from {@code from}'s side and reads from it again. */
        void flush(int from) {
            Channel to = side[1 - from];
            for (ByteBuf b; (b = queue.get(from).poll()) != null;) {
                if (to != null && to.isActive()) {
                    to.write(b);
                } else {
                    b.release();
                }
            }
            queued[from] = 0;
            if (to != null) {
                to.flush();
            }
            if (!closed) {
                side[from].config().setAutoRead(true);
            }
        }

        void dripOne(int from) {
            ByteBuf head = queue.get(from).peek();
            if (head == null) {
                return;
            }
            Channel to = side[1 - from];
            ByteBuf one = head.readRetainedSlice(1);
            queued[from]--;
            if (!head.isReadable()) {
                queue.get(from).poll().release();
            }
            to.writeAndFlush(one);
            if (queued[from] < DRIP_QUEUE_MAX / 2 && !closed) {
                side[from].config().setAutoRead(true);
            }
        }

        void scheduleNextFault() {
            if (closed) {
                return;
            }
            long delay = 100 + random.nextInt(2400);
            side[UP].eventLoop().schedule(this::maybeFault, delay, TimeUnit.MILLISECONDS);
        }

        void maybeFault() {
            if (closed) {
                return;
            }
            if (!chaos || random.nextInt(10) < 2) {
                scheduleNextFault();
                return;
            }
            Fault f = Fault.values()[random.nextInt(Fault.values().length)];
            injected.get(f).incrementAndGet();
            switch (f) {
                case CUT:
                    closeBoth(false);
                    break;
                case RESET:
                    closeBoth(true);
                    break;
                case STALL: {
                    long ms = timeoutMs + timeoutMs / 5 + random.nextInt((int) (timeoutMs * 13 / 10));
                    for (int d : new int[] { UP, DOWN }) {
                        mode[d] = Mode.HOLD;
                        side[d].config().setAutoRead(false);
                    }
                    side[UP].eventLoop().schedule(() -> {
                        for (int d : new int[] { UP, DOWN }) {
                            mode[d] = Mode.FORWARD;
                            flush(d);
                        }
                        scheduleNextFault();
                    }, ms, TimeUnit.MILLISECONDS);
                    break;
                }
                case HALF_OPEN:
                    mode[random.nextBoolean() ? UP : DOWN] = Mode.DROP; // until one end gives up
                    break;
                case SLOW_DRIP: {
                    long ms = 1000 + random.nextInt(3000);
                    int which = random.nextInt(3); // up, down, both
                    for (int d : new int[] { UP, DOWN }) {
                        if (which == 2 || which == d) {
                            mode[d] = Mode.DRIP;
                            long every = 5 + random.nextInt(36);
                            drip[d] = side[UP].eventLoop().scheduleAtFixedRate(() -> dripOne(d), every, every,
                                    TimeUnit.MILLISECONDS);
                        }
                    }
                    side[UP].eventLoop().schedule(() -> {
                        for (int d : new int[] { UP, DOWN }) {
                            if (drip[d] != null) {
                                drip[d].cancel(false);
                                drip[d] = null;
                                mode[d] = Mode.FORWARD;
                                flush(d);
                            }
                        }
                        scheduleNextFault();
                    }, ms, TimeUnit.MILLISECONDS);
                    break;
                }
                default:
                    throw new IllegalStateException(f.toString());
            }
        }

        void closeBoth(boolean reset) {
            if (closed) {
                return;
            }
            closed = true;
            for (int d : new int[] { UP, DOWN }) {
                if (drip[d] != null) {
                    drip[d].cancel(false);
                }
                for (ByteBuf b; (b = queue.get(d).poll()) != null;) {
                    b.release();
                }
                Channel ch = side[d];
                if (ch != null) {
                    if (reset && ch.isActive()) {
                        ch.config().setOption(ChannelOption.SO_LINGER, 0);
                    }
                    ch.close();
                }
            }
        }

        /** Reads one side of the pair; either side's end ends the pair, as a NAT or a proxy would. */
        private final class Relay extends ChannelInboundHandlerAdapter {
            private final int from;

            Relay(int from) {
                this.from = from;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                read(from, (ByteBuf) msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                closeBoth(false);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                closeBoth(false);
            }
        }
    }

    private enum Mode {
        FORWARD, HOLD, DROP, DRIP
    }
}
