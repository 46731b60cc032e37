package io.esplink.core;

import java.util.concurrent.atomic.LongAdder;

/**
 * What a receiver knows of one peer's messages (L9-L11): its duplicate window and how many new messages and
 * duplicates came. Used by the gateway for each node ({@link Session}) and by the node client for the gateway. Not
 * thread-safe: its owner guards it (the counters may be read from anywhere).
 */
final class InboundWindow {

    private final DuplicateWindow window = new DuplicateWindow();
    private final LongAdder messages = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    /** The server's counters too, or null (the node client). */
    private GatewayStats stats;

    void stats(GatewayStats stats) {
        this.stats = stats;
    }

    private void count(boolean fresh) {
        (fresh ? messages : duplicates).increment();
        if (stats != null) {
            if (fresh) {
                stats.messageIn();
            } else {
                stats.duplicateIn();
            }
        }
    }

    /** L10 for a message just read (ack on receipt): true if it is new and must be delivered. */
    boolean accept(int mid) {
        boolean fresh = window.accept(mid);
        count(fresh);
        return fresh;
    }

    /** True if {@code mid} is in the window (an ID 0 never is: it always means a restart, L10). */
    boolean seen(int mid) {
        return mid != 0 && window.contains(mid);
    }

    /**
     * Marks {@code mid} once it was processed (ack after processing), counting it as a new message if it was
     * {@code delivered}, as a duplicate if every listener had it already.
     */
    void mark(int mid, boolean delivered) {
        window.mark(mid);
        count(delivered);
    }

    /** ID 0 arrived: the peer restarted (L10). */
    void clear() {
        window.clear();
    }

    /** Counts a duplicate that was not marked (a resend while its first copy is still being processed). */
    void countDuplicate() {
        count(false);
    }

    long messages() {
        return messages.sum();
    }

    long duplicates() {
        return duplicates.sum();
    }
}
