package io.esplink.core;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPromise;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;

/**
 * Keepalives and outage detection (L12-L14), without a timer per connection: one {@link LivenessSweeper} per event
 * loop (and period) visits its connections every {@code timeout/4}; each sends a KA (on the gateway every period, on
 * a node when it wrote nothing for that long) and closes the connection when nothing at all was read for
 * {@code timeout} ({@code firstTimeout} until the first read). A KA on an idle link allocates nothing and is one
 * system call: it is written straight to the socket (see {@link #sendKeepalive()}). A sweep that runs late (the loop
 * was busy) adds its lateness to the time allowed, so that an overloaded gateway does not turn its own delay into
 * node outages and reconnect storms. The handler sits next to
 * the socket so that every byte read counts, even of an incomplete line. It starts when the user event
 * {@link #START} passes through the pipeline (the link started: on the gateway once the node's ID line was accepted,
 * on a node once connected), with a KA at once on the gateway (L14).
 */
public final class LivenessHandler extends ChannelDuplexHandler {

    /** The bytes of a KA written straight to a socket: never written through a pipeline, so never moved or freed. */
    private static final ByteBuf KA = Unpooled.unreleasableBuffer(Unpooled.directBuffer(1, 1).writeByte(Protocol.LF));

    /** The user event that starts keepalives (the first one at once on the gateway) and outage detection. */
    public static final Object START = new Object() {
        @Override
        public String toString() {
            return "esplink link started";
        }
    };

    private final long timeoutMs;
    private final long timeoutNanos;
    private final long firstTimeoutNanos;
    private final long kaNanos;
    private final boolean fixedRate;

    private ChannelHandlerContext ctx;
    private Socket socket;
    private boolean started;
    private boolean stopped;
    private boolean readSinceStart;
    private long lastRead;
    private long lastWrite;

    /**
     * @param timeoutMs      L12 timeout
     * @param firstTimeoutMs the timeout until the first read after the start
     * @param fixedRate      true on the gateway (a KA every period), false on a node (a KA when idle for a period)
     */
    public LivenessHandler(long timeoutMs, long firstTimeoutMs, boolean fixedRate) {
        this.timeoutMs = timeoutMs;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        this.firstTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(firstTimeoutMs);
        this.kaNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, timeoutMs / 4));
        this.fixedRate = fixedRate;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == START) {
            start();
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** Starts keepalives and outage detection. On the event loop. */
    private void start() {
        if (started || !ctx.channel().isActive()) {
            return;
        }
        started = true;
        socket = directSocket(ctx);
        lastRead = System.nanoTime();
        lastWrite = lastRead;
        if (fixedRate) {
            sendKeepalive();
        }
        LivenessSweeper.of(ctx.executor(), kaNanos).add(this);
    }

    /**
     * The socket to write KAs to directly, or null: only for Netty's epoll transport, and only when no handler
     * between this one and the socket takes part in writes (no TLS, no flush consolidation below it), so that a KA
     * written straight to the socket is exactly what the pipeline would have written.
     */
    private static Socket directSocket(ChannelHandlerContext ctx) {
        if (!(ctx.channel() instanceof EpollSocketChannel) || !KA.hasMemoryAddress()) {
            return null;
        }
        for (Map.Entry<String, ChannelHandler> e : ctx.pipeline()) {
            if (e.getValue() == ctx.handler()) {
                FileDescriptor fd = ((EpollSocketChannel) ctx.channel()).fd();
                return fd instanceof Socket ? (Socket) fd : null;
            }
            if (e.getValue() instanceof ChannelOutboundHandler) {
                return null;
            }
        }
        return null;
    }

    /** A visit of the sweeper: {@code grace} is how late the sweep runs. On the event loop. */
    boolean sweep(long now, long grace) {
        if (stopped) {
            return false;
        }
        if (!ctx.channel().config().isAutoRead()) {
            lastRead = now; // reading paused by this side (backpressure): the peer's silence is ours
        }
        long limit = (readSinceStart ? timeoutNanos : firstTimeoutNanos) + grace;
        if (now - lastRead > limit) {
            stop();
            Links.close(ctx.channel(), "timeout: nothing received for "
                                       + TimeUnit.NANOSECONDS.toMillis(now - lastRead) + " ms (timeout " + timeoutMs
                                       + " ms)");
            return false;
        }
        if (fixedRate || now - lastWrite >= kaNanos) {
            sendKeepalive();
        }
        return true;
    }

    /**
     * Sends a KA, unless the link is backed up. On an idle link (nothing waits in the channel's outbound buffer) it
     * goes straight to the socket, one system call: the way through the pipeline would queue it, flush it and
     * complete it, writing into the channel's long-lived objects at every KA. Otherwise (data pending, the socket
     * full, an error, another transport) it takes the pipeline, after what waits.
     */
    private void sendKeepalive() {
        Channel ch = ctx.channel();
        if (!ch.isWritable()) {
            return; // data waits to go out already: one more line would not help
        }
        if (socket != null && ch.isActive()) {
            ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
            if (out != null && out.isEmpty() && out.totalPendingWriteBytes() == 0) {
                try {
                    if (socket.sendAddress(KA.memoryAddress(), 0, 1) == 1) {
                        if (!fixedRate) {
                            lastWrite = System.nanoTime();
                        }
                        return;
                    }
                } catch (IOException e) {
                    // the pipeline's write meets the same error and handles it as any write's
                }
            }
        }
        ctx.writeAndFlush(Protocol.keepalive(), ctx.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastRead = System.nanoTime();
        readSinceStart = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!fixedRate) {
            lastWrite = System.nanoTime();
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        free();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        free();
    }

    private void stop() {
        stopped = true; // the sweeper drops it at its next visit
    }

    /** The connection is gone: the sweeper drops it at its next visit. */
    private void free() {
        stopped = true;
        socket = null;
    }
}
