package io.esplink.core;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Keepalives and outage detection on the event loop's timer (L12-L14). One task per connection runs every
 * {@code timeout/4}: it sends a KA (on the gateway every period, on a node when it wrote nothing for that long) and
 * closes the connection when nothing at all was read for {@code timeout} ({@code firstTimeout} until the first
 * read). Sits next to the socket so that every byte read counts, even of an incomplete line. It starts when the user
 * event {@link #START} passes through the pipeline (the link started: on the gateway once the node's ID line was
 * accepted, on a node once connected).
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
    private ScheduledFuture<?> tick;
    private boolean readSinceStart;
    private long lastRead;
    private long lastWrite;

    /**
     * @param timeoutMs      L12 timeout
     * @param firstTimeoutMs the timeout until the first read after {@link #start}
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

    /** Starts keepalives (the first one at once on the gateway) and outage detection. On the event loop. */
    private void start() {
        if (tick != null || !ctx.channel().isActive()) {
            return;
        }
        lastRead = System.nanoTime();
        readSinceStart = false;
        lastWrite = fixedRate ? lastRead - kaNanos : lastRead;
        long period = TimeUnit.NANOSECONDS.toMillis(kaNanos);
        tick = ctx.executor().scheduleAtFixedRate(this::tick, fixedRate ? 0 : period, period, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        long now = System.nanoTime();
        if (!ctx.channel().config().isAutoRead()) {
            lastRead = now; // reading paused by this side (backpressure): the peer's silence is ours
        }
        long limit = readSinceStart ? timeoutNanos : firstTimeoutNanos;
        if (now - lastRead > limit) {
            stop();
            Links.close(ctx.channel(), "timeout: nothing received for "
                                       + TimeUnit.NANOSECONDS.toMillis(now - lastRead) + " ms (timeout " + timeoutMs
                                       + " ms)");
            return;
        }
        if (fixedRate || now - lastWrite >= kaNanos) {
            ctx.writeAndFlush(Protocol.keepalive(), ctx.voidPromise());
        }
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
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void stop() {
        if (tick != null) {
            tick.cancel(false);
            tick = null;
        }
    }
}
