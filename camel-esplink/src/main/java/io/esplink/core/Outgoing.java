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
    ScheduledFuture<?> ackTimer;
    ScheduledFuture<?> deadline;

    Outgoing(String payload, boolean qos, boolean wait, SendListener listener) {
        this.payload = payload;
        this.qos = qos;
        this.wait = wait;
        this.listener = listener;
    }

    void cancelTimers() {
        if (ackTimer != null) {
            ackTimer.cancel(false);
            ackTimer = null;
        }
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
