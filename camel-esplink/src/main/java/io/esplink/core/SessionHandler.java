package io.esplink.core;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;

/**
 * The second phase of a node connection on the gateway, once attached to its session: routes keepalives, ACKs,
 * messages and bad lines to the session, and detaches it when the connection ends.
 */
final class SessionHandler extends SimpleChannelInboundHandler<Frame> {

    private final SessionRegistry registry;
    private final Session session;
    private final int connectCount;
    private boolean nodeActive;
    private boolean warnedBadLine;

    SessionHandler(SessionRegistry registry, Session session, int connectCount) {
        this.registry = registry;
        this.session = session;
        this.connectCount = connectCount;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        Channel ch = ctx.channel();
        if (!nodeActive) {
            nodeActive = true; // L15: the node's first bytes after its ID
            session.nodeActive(ch);
        }
        switch (frame.type()) {
            case ACK:
                session.onAck(frame.messageId());
                break;
            case MESSAGE:
                session.onMessage(ch, frame.messageId(), frame.text(), connectCount);
                break;
            case BAD:
                session.protocolError(frame.text(), !warnedBadLine);
                warnedBadLine = true;
                break;
            default:
                break; // keepalives: the liveness handler saw them
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        registry.detach(session, ctx.channel(), Links.closeReason(ctx.channel()));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LinkErrors.handle(ctx.channel(), cause, registry);
    }
}
