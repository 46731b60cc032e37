package io.esplink.core;

import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Keepalives and outage detection (L12-L14), without a timer per connection: one {@link LivenessSweeper} per event
 * loop (and period) visits its connections every {@code timeout/4}; each sends a KA (on the gateway every period, on
 * a node when it wrote nothing for that long) and closes the connection when nothing at all was read for
 * {@code timeout} ({@code firstTimeout} until the first read). A KA allocates nothing: each connection reuses its own
 * one-byte buffer. A sweep that runs late (the loop was busy) adds its lateness to the time allowed, so that an
 * overloaded gateway does not turn its own delay into node outages and reconnect storms. The handler sits next to
 * the socket so that every byte read counts, even of an incomplete line. It starts when the user event
 * {@link #START} passes through the pipeline (the link started: on the gateway once the node's ID line was accepted,
 * on a node once connected), with a KA at once on the gateway (L14).
 */
public final class LivenessHandler extends ChannelDuplexHandler {

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
    private ByteBuf keepaliveMemory;
    private ByteBuf keepalive;
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
        // direct, so that the socket writes it as it is (and moves its reader index when it did)
        keepaliveMemory = ctx.alloc().directBuffer(1, 1).writeByte(Protocol.LF);
        keepalive = Unpooled.unreleasableBuffer(keepaliveMemory);
        lastRead = System.nanoTime();
        lastWrite = lastRead;
        if (fixedRate) {
            sendKeepalive();
        }
        LivenessSweeper.of(ctx.executor(), kaNanos).add(this);
    }

    /** A visit of the sweeper: {@code grace} is how late the sweep runs. On the event loop. */
    boolean sweep(long now, long grace) {
        if (stopped || keepaliveMemory == null) {
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
     * Writes this connection's own KA buffer again (the same one-byte buffer every time: a buffer written out is
     * released, which it ignores, and its bytes never change), unless the link is backed up.
     */
    private void sendKeepalive() {
        if (!ctx.channel().isWritable()) {
            return; // data waits to go out already: one more line would not help
        }
        keepalive.setIndex(0, 1);
        ctx.writeAndFlush(keepalive, ctx.voidPromise());
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

    /** The connection is gone (nothing of it is pending any more): its KA buffer goes back. */
    private void free() {
        stopped = true;
        if (keepaliveMemory != null) {
            keepaliveMemory.release();
            keepaliveMemory = null;
        }
    }
}
