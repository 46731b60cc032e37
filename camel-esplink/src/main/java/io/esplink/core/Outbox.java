package io.esplink.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The messages on their way to one peer (L19-L22), and the connection they go out on: its send counter (L8), a FIFO
 * queue, and a table of the messages written and not yet acknowledged. Used by the gateway for each node
 * ({@link Session}) and by the node client for the gateway ({@link EspLinkClient}).
 * <p>
 * A new connection is held (nothing but ACKs written) until {@link #releaseHold}: L14 on the node side, L15 on the
 * gateway side. Messages are written only from the event loop of the current connection, so they leave in queue
 * order. State is guarded by this object's monitor; send listeners are told on {@code notifier} (at once when the
 * caller runs on it: routes on the I/O threads), never under the lock. Written messages are watched for their ACK and
 * their send deadline by one sweep per connection, not a timer per message; only a message that has to wait unwritten
 * (no link, or L21) has a deadline timer of its own.
 */
final class Outbox {

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final String peerId;
    private final int maxQueued;
    private final EventExecutor notifier;
    private final MessageIds ids = new MessageIds();
    private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();
    /** By message ID: every message written and not yet ACKed (qos or not, for flow control L21-L22). */
    private Outgoing[] unacked = NONE;
    /** Shared by outboxes that never sent anything (most sessions of a gateway with many nodes): kept empty. */
    private static final Outgoing[] NONE = new Outgoing[256];
    /** The same, in the order they were first written. */
    private final ArrayDeque<Outgoing> inFlight = new ArrayDeque<>();
    private final Runnable pumpTask = this::pump;
    private final long timeoutNanos;
    /** The ACK sweep of the current connection, when it runs (System.nanoTime()), and its generation. */
    private java.util.concurrent.ScheduledFuture<?> sweep;
    private long sweepAt;
    private long sweepGeneration;
    /** True while the sweep resends (it sets the next sweep itself). */
    private boolean sweeping;

    private Channel channel;
    private boolean writable;
    private boolean closed;
    private int connectCount;

    private final LongAdder messagesOut = new LongAdder();
    private final LongAdder retransmissions = new LongAdder();
    /** The server's counters too, or null (the node client). */
    private GatewayStats stats;

    /**
     * @param peerId    the peer's client ID, for messages
     * @param timeoutMs L20: how long a written message waits for its ACK before it is resent
     * @param maxQueued messages that may wait to be sent or acknowledged; a send beyond fails at once
     * @param notifier  where send listeners are told
     */
    Outbox(String peerId, long timeoutMs, int maxQueued, EventExecutor notifier) {
        this.peerId = peerId;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        this.maxQueued = maxQueued;
        this.notifier = notifier;
    }

    /** Counts this peer's traffic in {@code stats} too; before the outbox is used. */
    void stats(GatewayStats stats) {
        this.stats = stats;
    }

    // ---- the connection ----

    /** A new connection carries this peer (L16); it is held until {@link #releaseHold}. Returns the count so far. */
    synchronized int attach(Channel ch) {
        channel = ch;
        writable = false;
        return ++connectCount;
    }

    /** Lets messages flow on {@code ch} (L14 on the node side, L15 on the gateway side). */
    void releaseHold(Channel ch) {
        synchronized (this) {
            if (channel != ch || writable) {
                return;
            }
            writable = true;
        }
        requestPump();
    }

    /**
     * The connection {@code ch} is gone (L13). Messages in flight with qos wait to be resent once the link is up
     * again (L20); those without qos are forgotten (L19).
     *
     * @return true if {@code ch} was the current connection
     */
    synchronized boolean detach(Channel ch) {
        if (channel != ch) {
            return false;
        }
        channel = null;
        writable = false;
        stopSweep();
        for (Outgoing q : queue) {
            watchDeadline(q); // the pump that would have written or watched it will not come
        }
        for (Iterator<Outgoing> it = inFlight.iterator(); it.hasNext();) {
            Outgoing o = it.next();
            if (o.qos) {
                o.resend = true;
                watchDeadline(o);
            } else {
                unacked[o.mid] = null;
                it.remove();
            }
        }
        return true;
    }

    /** The current connection, or null while the peer is down. */
    synchronized Channel channel() {
        return channel;
    }

    /** True while a connection is attached (it may still be in its hold). */
    synchronized boolean isConnected() {
        return channel != null;
    }

    synchronized int connectCount() {
        return connectCount;
    }

    /** Writes an ACK of {@code mid} on the current connection, if any (ACKs are never held, L15). */
    void ack(int mid) {
        Channel ch;
        synchronized (this) {
            ch = channel;
        }
        if (ch != null) {
            ch.writeAndFlush(Protocol.ack(mid), ch.voidPromise());
        }
    }

    /** Closes the current connection, if any, recording {@code reason}. */
    void closeConnection(String reason) {
        Channel ch;
        synchronized (this) {
            ch = channel;
        }
        if (ch != null) {
            Links.close(ch, reason);
        }
    }

    // ---- sending ----

    /**
     * Queues a message (L19-L21). {@code listener} is told on the notifier when it was ACKed (qos) or written (no
     * qos), or why it failed. {@code sendTimeoutMs} (0 for none) bounds the whole wait.
     */
    void send(String payload, boolean qos, boolean wait, long sendTimeoutMs, SendListener listener) {
        Protocol.checkPayload(payload);
        Outgoing o = new Outgoing(payload, qos, wait && qos, listener);
        synchronized (this) {
            if (closed) {
                throw new EspLinkException("The link to '" + peerId + "' is closed");
            }
            if (queue.size() + inFlight.size() >= maxQueued) {
                throw new EspLinkException("Message to '" + peerId + "' refused: " + maxQueued + " messages to it are "
                                           + "waiting already (maxQueuedPerNode); " + describe());
            }
            if (sendTimeoutMs > 0) {
                o.sendTimeoutMs = sendTimeoutMs;
                o.deadlineAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(sendTimeoutMs);
            }
            queue.add(o);
            if (channel == null || !writable) {
                watchDeadline(o); // it waits for the link; otherwise the pump writes it or watches it
            }
        }
        requestPump();
    }

    /**
     * Times out {@code o} at its send deadline while it waits unwritten (queued, or for the link); under the lock.
     * Once written, the ACK sweep watches the deadline instead.
     */
    private void watchDeadline(Outgoing o) {
        if (o.sendTimeoutMs > 0 && o.deadline == null && !o.done) {
            o.deadline = notifier.schedule(() -> expire(o), o.untilDeadlineMs(), TimeUnit.MILLISECONDS);
        }
    }

    /** An ACK arrived for {@code mid}. Unknown IDs (late, or of a timed out message) are ignored. */
    void onAck(int mid) {
        Outgoing o;
        long roundTrip = -1;
        synchronized (this) {
            o = unacked[mid];
            if (o == null) {
                return;
            }
            unacked[mid] = null;
            inFlight.remove(o);
            o.cancelDeadline();
            if (stats != null && o.sends == 1) {
                roundTrip = System.nanoTime() - o.writtenAt; // a resent one is ambiguous: not timed
            }
            if (o.done) {
                o = null; // a message without qos: told already when written
            } else {
                o.done = true;
            }
        }
        if (roundTrip >= 0) {
            stats.ackRoundTrip(roundTrip);
        }
        if (o != null) {
            notify(o, null);
        }
        requestPump();
    }

    /** Messages waiting to be written plus messages written and not yet acknowledged. */
    synchronized int pendingCount() {
        return queue.size() + inFlight.size();
    }

    long messagesOut() {
        return messagesOut.sum();
    }

    long retransmissions() {
        return retransmissions.sum();
    }

    /** A short description of the link state, for error messages. */
    synchronized String describe() {
        if (channel == null) {
            return "node not connected";
        }
        if (!writable) {
            return "node connected, waiting for it to become ready";
        }
        return "node connected, " + inFlight.size() + " message(s) awaiting ACK, " + queue.size() + " queued";
    }

    /** Fails every queued and in-flight message and refuses new ones: the peer is going away for good. */
    void close(String reason) {
        List<Outgoing> failed = new ArrayList<>();
        synchronized (this) {
            closed = true;
            stopSweep();
            for (Outgoing o : inFlight) {
                unacked[o.mid] = null;
                o.cancelDeadline();
                if (!o.done) {
                    o.done = true;
                    failed.add(o);
                }
            }
            inFlight.clear();
            for (Outgoing o : queue) {
                o.cancelDeadline();
                o.done = true;
                failed.add(o);
            }
            queue.clear();
        }
        for (Outgoing o : failed) {
            notify(o, new EspLinkException("Message to '" + peerId + "' not delivered: " + reason));
        }
    }

    private void expire(Outgoing o) {
        String state;
        synchronized (this) {
            if (o.done) {
                return;
            }
            o.done = true;
            o.deadline = null;
            if (o.mid < 0) {
                queue.remove(o);
            } else {
                if (unacked[o.mid] == o) {
                    unacked[o.mid] = null;
                }
                inFlight.remove(o);
            }
            o.cancelDeadline();
            state = describe();
        }
        notify(o, new SendTimeoutException(peerId, o.sendTimeoutMs, o.mid >= 0, state));
        requestPump();
    }

    private void requestPump() {
        Channel ch;
        synchronized (this) {
            ch = channel;
            if (ch == null || !writable) {
                return;
            }
        }
        if (ch.eventLoop().inEventLoop()) {
            pump();
        } else {
            ch.eventLoop().execute(pumpTask);
        }
    }

    /** Writes what may be written now; runs on the current channel's event loop only. */
    private void pump() {
        boolean wrote = false;
        synchronized (this) {
            Channel ch = channel;
            if (ch == null || !writable || !ch.eventLoop().inEventLoop()) {
                if (ch != null && writable) {
                    ch.eventLoop().execute(pumpTask);
                }
                return;
            }
            // L20: first what an outage interrupted, in the order it was first sent
            for (Outgoing o : inFlight) {
                if (o.resend) {
                    o.resend = false;
                    write(ch, o);
                    wrote = true;
                }
            }
            // L21: a qos message with wait leaves only when nothing is unacknowledged
            while (!queue.isEmpty()) {
                Outgoing head = queue.peek();
                if (head.wait ? !inFlight.isEmpty() : unacked[ids.peek()] != null) {
                    break;
                }
                queue.poll();
                head.mid = ids.next();
                if (unacked == NONE) {
                    unacked = new Outgoing[256];
                }
                unacked[head.mid] = head;
                inFlight.add(head);
                write(ch, head);
                wrote = true;
            }
            // what must wait (L21) waits for an ACK, maybe past its deadline
            for (Outgoing q : queue) {
                watchDeadline(q);
            }
            if (wrote) {
                ch.flush();
            }
        }
    }

    private void write(Channel ch, Outgoing o) {
        if (o.sends++ > 0) {
            retransmissions.increment();
            if (stats != null) {
                stats.retransmission();
            }
            LOG.debug("Resending message {} to '{}'", Protocol.hex(o.mid), peerId);
        } else {
            messagesOut.increment();
            if (stats != null) {
                stats.messageOut();
                o.writtenAt = System.nanoTime();
            }
        }
        if (o.qos) {
            ch.write(Protocol.message(ch.alloc(), o.mid, o.payload), ch.voidPromise());
        } else {
            ch.write(Protocol.message(ch.alloc(), o.mid, o.payload)).addListener((ChannelFutureListener) f -> {
                boolean tell;
                synchronized (this) {
                    tell = !o.done;
                    o.done = true;
                    if (tell && o.deadline != null) {
                        o.deadline.cancel(false);
                        o.deadline = null;
                    }
                }
                if (tell) {
                    notify(o, f.isSuccess() ? null
                            : new EspLinkException("Message to '" + peerId + "' could not be written", f.cause()));
                }
            });
        }
        if (o.deadline != null) {
            o.deadline.cancel(false); // the ACK sweep watches the deadline from now on
            o.deadline = null;
        }
        o.lastWriteAt = System.nanoTime();
        if (!sweeping) {
            sweepBy(ch, dueAt(o));
        }
    }

    /** When {@code o} needs looking at (System.nanoTime()): its ACK timeout (L20), or its send deadline if sooner. */
    private long dueAt(Outgoing o) {
        long due = o.lastWriteAt + timeoutNanos;
        if (o.qos && o.sendTimeoutMs > 0 && o.deadlineAt - due < 0) {
            due = o.deadlineAt;
        }
        return due;
    }

    /**
     * Makes sure the ACK sweep of {@code ch} runs by {@code due}. One timer per peer, not one per message: it is not
     * cancelled by ACKs (an ACK only empties the table), and a message written while it waits for a later time is
     * looked at when it runs. Under the lock, on the connection's event loop.
     */
    private void sweepBy(Channel ch, long due) {
        if (sweep != null) {
            if (sweepAt - due <= 0) {
                return;
            }
            sweep.cancel(false);
        }
        long generation = ++sweepGeneration;
        sweepAt = due;
        sweep = ch.eventLoop().schedule(() -> sweep(ch, generation), Math.max(0, due - System.nanoTime()),
                TimeUnit.NANOSECONDS);
    }

    /** No ACK sweep any more (the connection went, or the peer); under the lock. */
    private void stopSweep() {
        sweepGeneration++;
        if (sweep != null) {
            sweep.cancel(false);
            sweep = null;
        }
    }

    /**
     * L20 for every message written on {@code ch} and not ACKed within the timeout: a qos message is resent on the
     * same link (or fails when its send deadline passed), one without qos is forgotten (its ID may be used again).
     */
    private void sweep(Channel ch, long generation) {
        List<Outgoing> expired = null;
        boolean forgotten = false;
        synchronized (this) {
            if (generation != sweepGeneration) {
                return; // replaced, or the connection went
            }
            sweep = null;
            if (channel != ch) {
                return;
            }
            long now = System.nanoTime();
            long next = Long.MAX_VALUE;
            boolean wrote = false;
            sweeping = true;
            try {
                for (Iterator<Outgoing> it = inFlight.iterator(); it.hasNext();) {
                    Outgoing o = it.next();
                    if (o.resend) {
                        continue; // waits for the link to be writable (pump)
                    }
                    long due = dueAt(o);
                    if (due - now > 0) {
                        next = Math.min(next, due); // written after the sweep was set: later
                        continue;
                    }
                    if (!o.qos) {
                        unacked[o.mid] = null;
                        it.remove();
                        forgotten = true;
                    } else if (!o.done && o.pastDeadline()) {
                        if (expired == null) {
                            expired = new ArrayList<>(2);
                        }
                        expired.add(o); // the send deadline came before the ACK timeout
                    } else if (writable) {
                        write(ch, o);
                        wrote = true;
                        next = Math.min(next, dueAt(o));
                    } else {
                        o.resend = true;
                        watchDeadline(o);
                    }
                }
            } finally {
                sweeping = false;
            }
            if (wrote) {
                ch.flush();
            }
            if (next != Long.MAX_VALUE) {
                sweepBy(ch, next);
            }
        }
        if (expired != null) {
            for (Outgoing o : expired) {
                expire(o);
            }
        }
        if (forgotten) {
            pump();
        }
    }

    private void notify(Outgoing o, Throwable failure) {
        if (o.listener == null) {
            return;
        }
        Runnable tell = () -> {
            try {
                o.listener.done(failure);
            } catch (RuntimeException e) {
                LOG.warn("Send listener of a message to '{}' failed", peerId, e);
            }
        };
        if (notifier.inEventLoop() && !Thread.holdsLock(this)) {
            // routes on the I/O threads: the exchange goes on at once, so the node's next message finds its route
            // free within the same read (never under this outbox's lock: a write that fails at once tells its
            // listener inside pump)
            tell.run();
        } else {
            notifier.execute(tell);
        }
    }
}
