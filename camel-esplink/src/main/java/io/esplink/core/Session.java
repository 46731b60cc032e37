package io.esplink.core;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's state of one node, keyed by client ID (L16): it outlives connections, keeping the node's
 * {@link Outbox} (send counter and queued messages) and {@link InboundWindow} (duplicate window, L11) while the node
 * is away, and hands the node's messages to its listeners.
 * <p>
 * Threads: the event loop of the node's connection calls {@link #onMessage} and the link methods; the listeners are
 * called on this session's notifier only ({@code esplink-delivery}), where each listener has a lane that gives it
 * the node's messages one at a time; completions may come from any thread. The session's monitor guards the window,
 * the deliveries in progress and the recalls.
 */
final class Session {

    private static final Logger LOG = LoggerFactory.getLogger(Session.class);

    private final String id;
    private final long writeDelayMs;
    private final EventExecutor notifier;
    private final ListenerTable table;
    private final Backpressure backpressure;
    private final Outbox outbox;
    private final InboundWindow window = new InboundWindow();
    /** Ack mode "processed": the messages being processed, by ID (made at the node's first such message). */
    private Delivery[] inProgress = NO_DELIVERIES;
    /** Ack mode "processed": messages that failed in some listener, kept to skip the others on the resend. */
    private Delivery[] partial = NO_DELIVERIES;
    /** Shared, always empty: a session that never had a message in ack mode processed holds no arrays. */
    private static final Delivery[] NO_DELIVERIES = new Delivery[256];
    /** Ack mode "processed": per listener with a window store, what its store holds of this node. */
    private final List<Recall> recalls = new ArrayList<>(2);
    /** Per listener, its queue of this node's messages. Notifier thread only. */
    private final List<Lane> lanes = new ArrayList<>(2);
    /** The listeners of this node's messages, as last resolved (replaced when the registrations change). */
    private volatile ListenerTable.Listeners listeners;

    private final LongAdder undeliverable = new LongAdder();
    /** Messages of this node held (waiting for or in a listener). */
    private final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
    /** Tasks handed to the notifier by {@link #onNotifier} and not yet run there (later ones wait behind them). */
    private final java.util.concurrent.atomic.AtomicInteger queuedTasks = new java.util.concurrent.atomic.AtomicInteger();
    private final LongAdder protocolErrors = new LongAdder();
    private volatile String remoteAddress;
    private volatile long connectedSince;
    private volatile long disconnectedAt;
    private volatile String lastDisconnectReason;
    private volatile long lastMessageAt;
    private volatile long lastUndeliverableWarning;
    /** The server's counters, or null (set once, before the session is published). */
    private GatewayStats stats;
    /**
     * The start of the node's last message (at most {@link #PREVIEW_KEPT} characters) and its length: for display
     * only, so plain fields (a reader on another thread may see an older one; a String is always seen whole).
     */
    private String lastPayload;
    private int lastPayloadLength;
    private static final int PREVIEW_KEPT = 100;

    /**
     * @param timeoutMs    L12/L20: how long a message to the node waits for its ACK
     * @param writeDelayMs L15: the hold after the node's first bytes
     * @param maxQueued    messages to the node that may wait
     * @param notifier     the thread of this node's listeners and send results
     * @param backpressure the bound on node messages held, shared by the server's sessions
     */
    Session(String id, long timeoutMs, long writeDelayMs, int maxQueued, EventExecutor notifier, ListenerTable table,
            Backpressure backpressure) {
        this.id = id;
        this.writeDelayMs = writeDelayMs;
        this.notifier = notifier;
        this.table = table;
        this.backpressure = backpressure;
        this.outbox = new Outbox(id, timeoutMs, maxQueued, notifier);
    }

    String id() {
        return id;
    }

    /** Counts this node's traffic in {@code stats} too; before the session is published. */
    void stats(GatewayStats stats) {
        this.stats = stats;
        outbox.stats(stats);
        window.stats(stats);
    }

    /** Messages to the node waiting to be sent or acknowledged. */
    int pendingToNode() {
        return outbox.pendingCount();
    }

    EventExecutor notifier() {
        return notifier;
    }

    boolean isConnected() {
        return outbox.isConnected();
    }

    /** The current connection, or null. */
    Channel channel() {
        return outbox.channel();
    }

    int connectCount() {
        return outbox.connectCount();
    }

    String remoteAddress() {
        return remoteAddress;
    }

    /** When the last connection ended (epoch ms), or 0. */
    long disconnectedAt() {
        return disconnectedAt;
    }

    /** Nothing pending either way: no message to the node waiting, none of its messages in a listener. */
    boolean isIdle() {
        if (outbox.pendingCount() > 0) {
            return false;
        }
        synchronized (this) {
            for (Delivery d : inProgress) {
                if (d != null) {
                    return false;
                }
            }
        }
        return held.get() == 0;
    }

    /** A snapshot for the public view. */
    NodeView view() {
        return new NodeView(id, outbox.isConnected(), instant(connectedSince), instant(disconnectedAt),
                lastDisconnectReason, remoteAddress, outbox.connectCount(), instant(lastMessageAt), window.messages(),
                window.duplicates(), outbox.messagesOut(), outbox.retransmissions(), outbox.pendingCount(),
                protocolErrors.sum(), undeliverable.sum(), held.get(), preview());
    }

    /** The node's last message, escaped and cut for display, or null before the first. */
    private String preview() {
        String p = lastPayload;
        if (p == null) {
            return null;
        }
        int length = lastPayloadLength;
        String shown = ClientIds.escape(p, PREVIEW_KEPT);
        return length > p.length() ? shown + "...(" + length + " characters)" : shown;
    }

    private static Instant instant(long epochMs) {
        return epochMs == 0 ? null : Instant.ofEpochMilli(epochMs);
    }

    // ---- the link ----

    /** A connection from {@code remote} carries this node now (L16); returns its connection count. */
    int attach(Channel ch, String remote) {
        int n = outbox.attach(ch);
        remoteAddress = remote;
        connectedSince = System.currentTimeMillis();
        return n;
    }

    /** The connection {@code ch} ended; false if it was not the current one. */
    boolean detach(Channel ch, String reason) {
        if (!outbox.detach(ch)) {
            return false;
        }
        connectedSince = 0;
        disconnectedAt = System.currentTimeMillis();
        lastDisconnectReason = reason;
        return true;
    }

    /** L15: the node's first bytes arrived on {@code ch}; messages may follow after the configured hold. */
    void nodeActive(Channel ch) {
        if (writeDelayMs == 0) {
            outbox.releaseHold(ch);
        } else {
            ch.eventLoop().schedule(() -> outbox.releaseHold(ch), writeDelayMs, TimeUnit.MILLISECONDS);
        }
    }

    void onAck(int mid) {
        outbox.onAck(mid);
    }

    void send(String payload, boolean qos, boolean wait, long sendTimeoutMs, SendListener listener) {
        outbox.send(payload, qos, wait, sendTimeoutMs, listener);
    }

    /** The node goes away for good (the gateway stops): messages to it fail, its connection is closed. */
    void close(String reason) {
        outbox.close(reason);
        outbox.closeConnection(reason);
    }

    void protocolError(String line, boolean firstOnConnection) {
        protocolErrors.increment();
        if (firstOnConnection) {
            LOG.warn("Node '{}' sent a line that is neither a keepalive, an ACK nor a message: '{}' (dropped; further "
                     + "bad lines on this connection are logged at debug level)", id, ClientIds.escape(line));
        } else {
            LOG.debug("Node '{}' sent a bad line: '{}'", id, ClientIds.escape(line));
        }
    }

    // ---- messages from the node ----

    /**
     * A message line from the node on {@code ch}: ACK (L9), filter (L10), hand to every matching listener. Runs on
     * the event loop.
     * <p>
     * When all listeners use ack mode "received" the message is ACKed here. Otherwise it is ACKed once every
     * listener has reported success; if one failed it stays unacknowledged and the node's resend goes only to the
     * listeners that have not succeeded yet, so none of them sees it twice.
     */
    void onMessage(Channel ch, int mid, String payload, int connectCount) {
        ListenerTable.Listeners cached = this.listeners;
        ListenerTable.Listeners current = table.forMessages(id, cached);
        if (current != cached) {
            this.listeners = current;
            synchronized (this) {
                recalls.removeIf(r -> !current.list.contains(r.listener));
            }
            onNotifier(() -> lanes.removeIf(l -> !current.list.contains(l.listener) && !l.busy));
        }
        List<EspLinkListener> targets = current.list;
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
        if (!current.anyProcessed) {
            ch.writeAndFlush(Protocol.ack(mid), ch.voidPromise());
            synchronized (this) {
                if (!window.accept(mid)) {
                    return;
                }
            }
        } else {
            synchronized (this) {
                if (inProgress == NO_DELIVERIES) {
                    inProgress = new Delivery[256];
                    partial = new Delivery[256];
                }
                if (inProgress[mid] != null) {
                    // the first copy is still being processed: its outcome decides
                    window.countDuplicate();
                    return;
                }
                if (window.seen(mid)) {
                    window.countDuplicate();
                    ch.writeAndFlush(Protocol.ack(mid), ch.voidPromise());
                    return;
                }
                if (mid == 0) {
                    // the node restarted (L10): what it had half delivered before is gone
                    window.clear();
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
                    window.mark(mid, d.delivered);
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
        lastPayloadLength = payload.length();
        lastPayload = payload.length() <= PREVIEW_KEPT ? payload : payload.substring(0, PREVIEW_KEPT);
        long receivedAt = d != null ? d.receivedAt : now;
        Delivery delivery = d;
        List<EspLinkListener> to = todo;
        String remote = remoteAddress;
        Ticket ticket = new Ticket(to.size(), MemoryBudget.weight(payload));
        held.incrementAndGet();
        backpressure.enter(ch, ticket.weight);
        onNotifier(() -> {
            for (EspLinkListener l : to) {
                Lane lane = laneOf(l);
                lane.waiting.add(() -> give(lane, delivery, ticket, mid, payload, connectCount, remote, receivedAt));
                pump(lane);
            }
        });
    }

    /**
     * Runs {@code task} on the notifier, in the order of the calls: at once when the caller is the notifier (routes on
     * the I/O threads, and this connection's thread is the session's: what a route writes back then leaves in the
     * same flush as the ACK) and nothing handed over from another thread still waits there; queued otherwise.
     */
    private void onNotifier(Runnable task) {
        if (notifier.inEventLoop() && queuedTasks.get() == 0) {
            task.run();
        } else {
            queuedTasks.incrementAndGet();
            notifier.execute(() -> {
                queuedTasks.decrementAndGet();
                task.run();
            });
        }
    }

    /** One listener is done with a message held under {@code ticket}. */
    private void release(Ticket ticket) {
        if (ticket.partDone()) {
            held.decrementAndGet();
            backpressure.leave(ticket.weight);
        }
    }

    /** Gives one message to the listener of {@code lane}; on the notifier, when the lane is free. */
    private void give(Lane lane, Delivery d, Ticket ticket, int mid, String payload, int connectCount,
                      String remote, long receivedAt) {
        EspLinkListener l = lane.listener;
        boolean laneWaitsForDone = l.reportsDone() && !l.keepsOrder();
        InboundMessage msg = new InboundMessage(id, mid, payload, connectCount, remote, receivedAt, success -> {
            if (d != null && l.ackMode() == AckMode.PROCESSED) {
                processed(d, l, success);
            }
            release(ticket);
            if (laneWaitsForDone) {
                finished(lane);
            }
        });
        if (d != null && l.windowStore() != null && alreadyStored(l, msg, d)) {
            release(ticket);
            finished(lane);
            return;
        }
        if (d != null) {
            d.delivered = true;
        }
        try {
            l.onMessage(msg);
        } catch (RuntimeException e) {
            LOG.warn("Listener failed on message {} of node '{}'", Protocol.hex(mid), id, e);
            msg.done(false);
        }
        if (d != null && l.ackMode() == AckMode.RECEIVED) {
            processed(d, l, true); // its part of the ACK is done on delivery
        }
        if (!l.reportsDone()) {
            msg.done(true); // done when onMessage returned
        }
        if (!laneWaitsForDone) {
            finished(lane);
        }
    }

    private Lane laneOf(EspLinkListener listener) {
        for (Lane lane : lanes) {
            if (lane.listener == listener) {
                return lane;
            }
        }
        Lane lane = new Lane(listener);
        lanes.add(lane);
        return lane;
    }

    /** Gives the lane's next messages while it is free; on the notifier. */
    private void pump(Lane lane) {
        if (lane.pumping) {
            return; // a completion inside the loop below: the loop goes on
        }
        lane.pumping = true;
        try {
            while (!lane.busy) {
                Runnable next = lane.waiting.poll();
                if (next == null) {
                    return;
                }
                lane.busy = true;
                next.run();
            }
        } finally {
            lane.pumping = false;
        }
    }

    /** The listener of {@code lane} is done with its message: the next one may go. From any thread. */
    private void finished(Lane lane) {
        if (notifier.inEventLoop()) {
            lane.busy = false;
            pump(lane);
        } else {
            notifier.execute(() -> {
                lane.busy = false;
                pump(lane);
            });
        }
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
            if (!r.holds(msg.messageId())) {
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

    /** A listener finished with a message it was given under ack mode "processed". */
    private void processed(Delivery d, EspLinkListener listener, boolean success) {
        int mid = d.messageId;
        synchronized (this) {
            if (success && listener.windowStore() != null) {
                Recall r = recallOf(listener);
                if (r != null) {
                    r.stored(mid);
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
            window.mark(mid, d.delivered);
        }
        if (stats != null) {
            stats.ackDelay(System.nanoTime() - d.receivedNanos);
        }
        outbox.ack(mid);
    }

    /** One message on its way through the listeners (ack mode "processed"). Guarded by the session. */
    private static final class Delivery {
        final int messageId;
        final String payload;
        /** The listeners done with it; few, so a list (listeners compare by identity). */
        final List<EspLinkListener> succeeded = new ArrayList<>(2);
        final long receivedAt = System.currentTimeMillis();
        final long receivedNanos = System.nanoTime();
        int pending;
        boolean failed;
        /** Given to at least one listener (not only recognised as stored by every store). */
        volatile boolean delivered;

        Delivery(int messageId, String payload) {
            this.messageId = messageId;
            this.payload = payload;
        }
    }

    /** A message held until each of the listeners it went to is done with it (see {@link Backpressure}). */
    private static final class Ticket {
        final long weight;
        private int parts;

        Ticket(int parts, long weight) {
            this.parts = parts;
            this.weight = weight;
        }

        /** True when the last part is done. */
        synchronized boolean partDone() {
            return --parts == 0;
        }
    }

    /** One listener's queue of this node's messages: it is given the next only when done with the last. */
    private static final class Lane {
        final EspLinkListener listener;
        final ArrayDeque<Runnable> waiting = new ArrayDeque<>(2);
        boolean busy;
        boolean pumping;

        Lane(EspLinkListener listener) {
            this.listener = listener;
        }
    }

    /**
     * What the store of one listener holds of this node (see {@link WindowStore}): its own duplicate window, rebuilt
     * from the store at the first need and then kept as the listener stores messages. Guarded by the session.
     */
    private static final class Recall {
        final EspLinkListener listener;
        final DuplicateWindow window;

        Recall(EspLinkListener listener, StoredTail tail) {
            this.listener = listener;
            this.window = tail.window();
        }

        /** True if the store holds {@code mid}; never for ID 0, which is always a new message (L10). */
        boolean holds(int mid) {
            return mid != 0 && window.contains(mid);
        }

        /** The store took {@code mid} (L10: ID 0 clears what came before). */
        void stored(int mid) {
            window.accept(mid);
        }

        /** The node restarted: nothing it sent before counts any more. */
        void forget() {
            window.clear();
        }
    }

    @Override
    public String toString() {
        return "Session[" + id + ", " + outbox.describe() + "]";
    }
}
