package io.esplink.core;

import java.util.ArrayList;
import java.util.List;
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
    /** Ack mode "processed": the messages being processed, by ID. */
    private final Delivery[] inProgress = new Delivery[256];
    /** Ack mode "processed": messages that failed in some listener, kept to skip the others on the resend. */
    private final Delivery[] partial = new Delivery[256];
    private final LongAdder undeliverable = new LongAdder();
    /** The listeners of this node's messages, as last resolved (replaced when the registrations change). */
    private volatile EspLinkServer.Listeners listeners;
    /** Ack mode "processed": per listener with a window store, what its store holds of this node. */
    private final List<Recall> recalls = new ArrayList<>(2);

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

    /**
     * A message line from the node on {@code ch}: ACK (L9), filter (L10), deliver to every matching listener. Runs
     * on the event loop.
     * <p>
     * When all listeners use ack mode "received" the message is ACKed here. Otherwise it is ACKed once every
     * listener has reported success; if one failed it stays unacknowledged and the node's resend goes only to the
     * listeners that have not succeeded yet, so none of them sees it twice.
     */
    void onMessage(Channel ch, int mid, String payload, int connectCount) {
        EspLinkServer.Listeners cached = this.listeners;
        EspLinkServer.Listeners listeners = server.messageListeners(id, cached);
        if (listeners != cached) {
            this.listeners = listeners;
            synchronized (this) {
                recalls.removeIf(r -> !listeners.list().contains(r.listener));
            }
        }
        List<EspLinkListener> targets = listeners.list();
        if (targets.isEmpty()) {
            undeliverable.increment();
            long now = System.currentTimeMillis();
            if (now - lastUndeliverableWarning > 60_000) {
                lastUndeliverableWarning = now;
                LOG.warn("No consumer for the messages of node '{}': message {} left unacknowledged, the node keeps "
                         + "resending it (logged once a minute)", id, Protocol.hex(mid));
            }
            return;
        }
        Delivery d = null;
        List<EspLinkListener> todo = targets;
        if (!listeners.anyProcessed()) {
            ch.writeAndFlush(Protocol.ack(mid), ch.voidPromise());
            if (!acceptInbound(mid)) {
                return;
            }
        } else {
            synchronized (this) {
                if (inProgress[mid] != null) {
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
                    // the node restarted (L10): what it had half delivered before is gone
                    clearWindow();
                    for (int i = 1; i < partial.length; i++) {
                        partial[i] = null;
                    }
                }
                d = partial[mid];
                partial[mid] = null;
                if (d == null || !d.payload.equals(payload)) {
                    d = new Delivery(mid, payload);
                }
                if (!d.succeeded.isEmpty()) {
                    // a resend after a partial failure: only to the listeners that have not succeeded yet
                    todo = new ArrayList<>(targets.size());
                    for (EspLinkListener l : targets) {
                        if (!d.succeeded.contains(l)) {
                            todo.add(l);
                        }
                    }
                }
                if (todo.isEmpty()) {
                    // every listener still registered has it already (the one that failed has gone)
                    markSeen(mid, d.delivered);
                    ch.writeAndFlush(Protocol.ack(mid), ch.voidPromise());
                    return;
                }
                d.pending = todo.size();
                d.failed = false;
                inProgress[mid] = d;
            }
        }
        long now = System.currentTimeMillis();
        lastMessageAt = now;
        long receivedAt = d != null ? d.receivedAt : now;
        Delivery delivery = d;
        List<EspLinkListener> to = todo;
        String remote = remoteAddress;
        notifier().execute(() -> {
            for (EspLinkListener l : to) {
                InboundMessage msg = new InboundMessage(this, mid, payload, connectCount, remote, l.ackMode(),
                        delivery, l, receivedAt);
                if (delivery != null && l.windowStore() != null && alreadyStored(l, msg, delivery)) {
                    continue;
                }
                if (delivery != null) {
                    delivery.delivered = true;
                }
                deliver(l, msg);
                if (delivery != null && l.ackMode() == AckMode.RECEIVED) {
                    processed(delivery, l, true);
                }
            }
        });
    }

    /**
     * True if the store of {@code listener} holds {@code msg} already (the node resends what that store kept before
     * the ACK was lost, maybe before a gateway restart), or if that cannot be known now; either way the listener's
     * part is then reported. Runs on the notifier, which alone loads recalls.
     */
    private boolean alreadyStored(EspLinkListener listener, InboundMessage msg, Delivery d) {
        Recall r;
        try {
            r = recall(listener);
        } catch (Exception e) {
            listener.onNotDelivered(msg, e);
            processed(d, listener, false);
            return true;
        }
        synchronized (this) {
            if (!r.holds(msg.messageId(), msg.payload())) {
                if (msg.messageId() == 0) {
                    r.forget(); // a new ID 0: the node restarted (L10)
                }
                return false;
            }
        }
        processed(d, listener, true);
        return true;
    }

    /** What the store of {@code listener} holds of this node, read from the store at the first need. */
    private Recall recall(EspLinkListener listener) throws Exception {
        synchronized (this) {
            Recall r = recallOf(listener);
            if (r != null) {
                return r;
            }
        }
        StoredTail tail = listener.windowStore().load(id);
        synchronized (this) {
            Recall r = recallOf(listener);
            if (r == null) {
                r = new Recall(listener, tail == null ? StoredTail.EMPTY : tail);
                recalls.add(r);
            }
            return r;
        }
    }

    private Recall recallOf(EspLinkListener listener) {
        for (Recall r : recalls) {
            if (r.listener == listener) {
                return r;
            }
        }
        return null;
    }

    private void deliver(EspLinkListener listener, InboundMessage msg) {
        try {
            listener.onMessage(msg);
        } catch (RuntimeException e) {
            LOG.warn("Listener failed on message {} of node '{}'", Protocol.hex(msg.messageId()), id, e);
            msg.done(false);
        }
    }

    /** A listener finished with a message it was given under ack mode "processed". */
    void processed(Delivery d, EspLinkListener listener, boolean success) {
        Channel ch;
        int mid = d.messageId;
        synchronized (this) {
            if (success && listener.windowStore() != null) {
                Recall r = recallOf(listener);
                if (r != null) {
                    r.stored(mid, d.payload);
                }
            }
            if (inProgress[mid] != d) {
                return;
            }
            if (success) {
                d.succeeded.add(listener);
            } else {
                d.failed = true;
            }
            if (--d.pending > 0) {
                return;
            }
            inProgress[mid] = null;
            if (d.failed) {
                partial[mid] = d;
                LOG.debug("Message {} of node '{}' failed: not acknowledged, the node will resend it",
                        Protocol.hex(mid), id);
                return;
            }
            markSeen(mid, d.delivered);
            ch = channel();
        }
        if (ch != null) {
            ch.writeAndFlush(Protocol.ack(mid), ch.voidPromise());
        }
    }

    /** One message on its way through the listeners (ack mode "processed"). Guarded by the session. */
    static final class Delivery {
        final int messageId;
        final String payload;
        /** The listeners done with it; few, so a list (consumers compare by identity). */
        final List<EspLinkListener> succeeded = new ArrayList<>(2);
        final long receivedAt = System.currentTimeMillis();
        int pending;
        boolean failed;
        /** Given to at least one listener (not only recognised as stored by every store). */
        volatile boolean delivered;

        Delivery(int messageId, String payload) {
            this.messageId = messageId;
            this.payload = payload;
        }
    }

    /**
     * What the store of one listener holds of this node (see {@link WindowStore}): its own duplicate window, rebuilt
     * from the store at the first need and then kept as the listener stores messages. Guarded by the session.
     */
    private static final class Recall {
        final EspLinkListener listener;
        final DuplicateWindow window;
        int lastMid;
        /** The payload of the newest stored message while its ID is 0: only an equal ID 0 is a resend of it. */
        String lastZeroPayload;

        Recall(EspLinkListener listener, StoredTail tail) {
            this.listener = listener;
            this.window = tail.window();
            this.lastMid = tail.lastMessageId();
            this.lastZeroPayload = lastMid == 0 ? tail.lastPayload() : null;
        }

        boolean holds(int mid, String payload) {
            if (mid == 0) {
                return lastMid == 0 && payload.equals(lastZeroPayload);
            }
            return window.contains(mid);
        }

        void stored(int mid, String payload) {
            if (mid == 0) {
                window.clear();
            }
            window.mark(mid);
            lastMid = mid;
            lastZeroPayload = mid == 0 ? payload : null;
        }

        /** The node restarted: nothing it sent before counts any more. */
        void forget() {
            window.clear();
            lastMid = -1;
            lastZeroPayload = null;
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
