package io.esplink.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's state of one node, keyed by client ID (L16): it outlives connections, keeping the node's send
 * counter, duplicate window (L11) and queued messages while the node is away.
 */
public final class Session extends Peer {

    private static final Logger LOG = LoggerFactory.getLogger(Session.class);

    private final EspLinkServer server;
    private final long createdAt = System.currentTimeMillis();
    /** Ack mode "processed": IDs delivered and not yet reported done. */
    private final boolean[] processing = new boolean[256];
    private final LongAdder undeliverable = new LongAdder();

    private volatile String remoteAddress;
    private volatile long connectedSince;
    private volatile long disconnectedAt;
    private volatile String lastDisconnectReason;
    private volatile long lastMessageAt;
    private volatile long lastUndeliverableWarning;

    Session(EspLinkServer server, String clientId, EventExecutor notifier) {
        super(clientId, server.config().timeoutMs(), notifier);
        this.server = server;
    }

    /** The address of the current or last connection, {@code host:port}; null before the first one. */
    public String remoteAddress() {
        return remoteAddress;
    }

    /** When the current connection was attached (epoch ms), or 0. */
    public long connectedSince() {
        return connectedSince;
    }

    /** When the last connection ended (epoch ms), or 0. */
    public long disconnectedAt() {
        return disconnectedAt;
    }

    public String lastDisconnectReason() {
        return lastDisconnectReason;
    }

    /** When the last new message from the node was delivered (epoch ms), or 0. */
    public long lastMessageAt() {
        return lastMessageAt;
    }

    public long createdAt() {
        return createdAt;
    }

    /** Messages that found no listener (left unacknowledged, so the node keeps them). */
    public long undeliverable() {
        return undeliverable.sum();
    }

    int attach(Channel ch, String remote) {
        int n = attach(ch);
        remoteAddress = remote;
        connectedSince = System.currentTimeMillis();
        return n;
    }

    boolean detach(Channel ch, String reason) {
        if (!detach(ch)) {
            return false;
        }
        connectedSince = 0;
        disconnectedAt = System.currentTimeMillis();
        lastDisconnectReason = reason;
        return true;
    }

    /** L15: the node's first bytes arrived on {@code ch}; messages may follow after the configured hold. */
    void nodeActive(Channel ch) {
        long delay = server.config().writeDelayMs();
        if (delay == 0) {
            releaseHold(ch);
        } else {
            ch.eventLoop().schedule(() -> releaseHold(ch), delay, TimeUnit.MILLISECONDS);
        }
    }

    /** A message line from the node on {@code ch}: ACK (L9), filter (L10), deliver. Runs on the event loop. */
    void onMessage(Channel ch, int mid, String payload, int connectCount) {
        EspLinkListener listener = server.listenerFor(id);
        if (listener == null) {
            undeliverable.increment();
            long now = System.currentTimeMillis();
            if (now - lastUndeliverableWarning > 60_000) {
                lastUndeliverableWarning = now;
                LOG.warn("No consumer for the messages of node '{}': message {} left unacknowledged, the node keeps "
                         + "resending it (logged once a minute)", id, Protocol.hex(mid));
            }
            return;
        }
        AckMode mode = listener.ackMode();
        if (mode == AckMode.RECEIVED) {
            ch.writeAndFlush(Protocol.ack(mid), ch.voidPromise());
            if (!acceptInbound(mid)) {
                return;
            }
        } else {
            synchronized (this) {
                if (processing[mid]) {
                    // the first copy is still being processed: its outcome decides
                    duplicatesIn.increment();
                    return;
                }
                if (seen(mid)) {
                    duplicatesIn.increment();
                    ch.writeAndFlush(Protocol.ack(mid), ch.voidPromise());
                    return;
                }
                if (mid == 0) {
                    clearWindow();
                }
                processing[mid] = true;
            }
        }
        lastMessageAt = System.currentTimeMillis();
        InboundMessage msg = new InboundMessage(this, mid, payload, connectCount, remoteAddress, mode);
        notifier().execute(() -> deliver(listener, msg));
    }

    private void deliver(EspLinkListener listener, InboundMessage msg) {
        try {
            listener.onMessage(msg);
        } catch (RuntimeException e) {
            LOG.warn("Listener failed on message {} of node '{}'", Protocol.hex(msg.messageId()), id, e);
            msg.done(false);
        }
    }

    /** Ack mode "processed": the route finished with message {@code mid}. */
    void processed(int mid, boolean success) {
        Channel ch;
        synchronized (this) {
            if (!processing[mid]) {
                return;
            }
            processing[mid] = false;
            if (!success) {
                LOG.debug("Message {} of node '{}' failed: not acknowledged, the node will resend it",
                        Protocol.hex(mid), id);
                return;
            }
            markSeen(mid);
            ch = channel();
        }
        if (ch != null) {
            ch.writeAndFlush(Protocol.ack(mid), ch.voidPromise());
        }
    }

    void protocolError(String line, boolean firstOnConnection) {
        protocolErrors.increment();
        if (firstOnConnection) {
            LOG.warn("Node '{}' sent a line that is neither a keepalive, an ACK nor a message: '{}' (dropped; further "
                     + "bad lines on this connection are logged at debug level)", id, line);
        } else {
            LOG.debug("Node '{}' sent a bad line: '{}'", id, line);
        }
    }

    void close(String reason) {
        closeOutbox(reason);
        Channel ch = channel();
        if (ch != null) {
            Links.close(ch, reason);
        }
    }

    @Override
    public String toString() {
        return "Session[" + id + ", " + describe() + "]";
    }
}
