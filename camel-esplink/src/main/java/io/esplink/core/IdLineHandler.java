package io.esplink.core;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;

/**
 * The first phase of a node connection on the gateway: waits for the ID line (L3) within the handshake timeout and
 * asks the registry to attach the connection (L16-L18). Once attached it replaces itself in the pipeline with the
 * connection's {@link SessionHandler} and tells the pipeline that the link started, which starts the keepalives
 * (L14: the first one at once, nothing before the ID).
 */
final class IdLineHandler extends SimpleChannelInboundHandler<Frame> {

    private final SessionRegistry registry;
    private final long handshakeTimeoutMs;
    private ScheduledFuture<?> handshakeTimer;

    IdLineHandler(SessionRegistry registry, long handshakeTimeoutMs) {
        this.registry = registry;
        this.handshakeTimeoutMs = handshakeTimeoutMs;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        handshakeTimer = ctx.executor().schedule(() -> registry.refuse(ctx.channel(), "handshake timeout",
                "No client ID from {} within {} ms: closing", Links.format(ctx.channel().remoteAddress()),
                handshakeTimeoutMs), handshakeTimeoutMs, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        Channel ch = ctx.channel();
        if (frame.type() != Frame.Type.ID || !ch.isActive() || handshakeTimer == null || handshakeTimer.isDone()) {
            return; // lines after a refusal or a timeout
        }
        handshakeTimer.cancel(false);
        Session session = registry.attach(ch, frame.text());
        if (session != null) {
            ctx.pipeline().replace(this, Links.SESSION_HANDLER,
                    new SessionHandler(registry, session, session.connectCount()));
            ch.attr(Links.CLIENT_ID).set(session.id());
            ctx.pipeline().fireUserEventTriggered(LivenessHandler.START);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LinkErrors.handle(ctx.channel(), cause, registry);
    }
}
