package io.esplink.core;

import java.util.concurrent.ScheduledFuture;

/** One message on its way to a peer: queued, then in flight until ACKed (qos) or written (no qos). */
final class Outgoing {

    final String payload;
    final boolean qos;
    final boolean wait;
    final SendListener listener;

    /** -1 until first written. */
    int mid = -1;
    int sends;
    /** System.nanoTime() of the first write, where timed (the gateway). */
    long writtenAt;
    boolean done;
    /** Set when an outage interrupted it: resend once the link is up again (L20). */
    boolean resend;
    /** System.nanoTime() of the last write: its ACK is due a timeout later (L20; the outbox's ACK sweep looks). */
    long lastWriteAt;
    /** The send deadline's timer while the ACK sweep does not watch it (queued, or waiting for the link). */
    ScheduledFuture<?> deadline;
    /** The whole send's time limit in ms, 0 for none. */
    long sendTimeoutMs;
    /** System.nanoTime() when the send times out (with {@link #sendTimeoutMs}). */
    long deadlineAt;

    Outgoing(String payload, boolean qos, boolean wait, SendListener listener) {
        this.payload = payload;
        this.qos = qos;
        this.wait = wait;
        this.listener = listener;
    }

    /** Milliseconds left until the send deadline, at least 0 (with {@link #sendTimeoutMs}). */
    long untilDeadlineMs() {
        return Math.max(0, java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadlineAt - System.nanoTime()));
    }

    /** True once the send deadline has passed. */
    boolean pastDeadline() {
        return sendTimeoutMs > 0 && System.nanoTime() - deadlineAt >= 0;
    }

    void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
