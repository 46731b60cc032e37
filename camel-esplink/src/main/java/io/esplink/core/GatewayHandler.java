package io.esplink.core;

import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's handler of one node connection: waits for the ID line (within the handshake timeout), attaches the
 * connection to its session, then routes keepalives, ACKs, messages and bad lines to it.
 */
final class GatewayHandler extends SimpleChannelInboundHandler<Frame> {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);

    private final EspLinkServer server;
    private Session session;
    private int connectCount;
    private boolean nodeActive;
    private boolean warnedBadLine;
    private ScheduledFuture<?> handshakeTimer;

    GatewayHandler(EspLinkServer server) {
        this.server = server;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        long ms = server.config().handshakeTimeoutMs();
        handshakeTimer = ctx.executor().schedule(() -> {
            if (session == null) {
                server.refuse(ctx.channel(), "handshake timeout: no client ID within " + ms + " ms",
                        "No client ID from {} within {} ms: closing", Links.format(ctx.channel().remoteAddress()), ms);
            }
        }, ms, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        Channel ch = ctx.channel();
        if (session == null) {
            if (frame.type() != Frame.Type.ID || !ch.isActive()) {
                return; // lines after a refused ID line
            }
            handshakeTimer.cancel(false);
            session = server.attach(ch, frame.text());
            if (session != null) {
                connectCount = session.connectCount();
                ch.pipeline().get(LivenessHandler.class).start(); // L14: a KA at once, nothing before the ID
            }
            return;
        }
        if (!nodeActive) {
            nodeActive = true; // L15: the node's first bytes after its ID
            session.nodeActive(ch);
        }
        switch (frame.type()) {
            case KEEPALIVE:
                break;
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
                break;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        if (session != null) {
            server.detach(session, ctx.channel(), Links.closeReason(ctx.channel()));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String who = session != null ? "node '" + session.id() + "'" : Links.format(ctx.channel().remoteAddress());
        if (cause instanceof LineTooLongException) {
            LOG.warn("{}: {}", who, cause.getMessage());
            Links.close(ctx.channel(), "line too long (maxLineLength " + server.config().maxLineLength() + ")");
        } else if (cause instanceof SSLException || cause.getCause() instanceof SSLException) {
            SSLException tls = cause instanceof SSLException ? (SSLException) cause : (SSLException) cause.getCause();
            String reason = "TLS error: " + tls.getMessage();
            if (session == null) {
                server.refuse(ctx.channel(), reason, "{}: {} (closing)", who, reason);
            } else {
                LOG.warn("{}: {} (closing)", who, reason);
                Links.close(ctx.channel(), reason);
            }
        } else if (cause instanceof IOException) {
            LOG.debug("{}: I/O error", who, cause);
            Links.close(ctx.channel(), "I/O error: " + cause.getMessage());
        } else {
            LOG.warn("{}: unexpected error, closing the connection", who, cause);
            Links.close(ctx.channel(), "error: " + cause);
        }
    }
}
