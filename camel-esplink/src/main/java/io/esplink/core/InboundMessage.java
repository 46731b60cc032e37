package io.esplink.core;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A node's message given to one listener: what the node sent, and a completion the listener reports to once
 * ({@link #done}). With {@link AckMode#PROCESSED} the outcome decides the ACK (the node's message is acknowledged
 * when every listener it went to reported success). The node's next message goes to this listener only after this
 * one is done (when {@code onMessage} returns, for a listener of ack mode received that does not
 * {@link EspLinkListener#reportsDone report}), so a listener sees a node's messages one at a time, in order, even
 * when it completes them asynchronously.
 * <p>
 * Immutable apart from the completion; it holds nothing of the gateway but that callback.
 */
public final class InboundMessage {

    /** Told how a listener finished with a message. */
    @FunctionalInterface
    interface Completion {
        void done(boolean success);
    }

    private final String clientId;
    private final int messageId;
    private final String payload;
    private final int connectCount;
    private final String remoteAddress;
    private final long receivedAt;
    private final Completion completion;
    private final AtomicBoolean reported = new AtomicBoolean();

    InboundMessage(String clientId, int messageId, String payload, int connectCount, String remoteAddress,
                   long receivedAt, Completion completion) {
        this.clientId = clientId;
        this.messageId = messageId;
        this.payload = payload;
        this.connectCount = connectCount;
        this.remoteAddress = remoteAddress;
        this.receivedAt = receivedAt;
        this.completion = completion;
    }

    public String clientId() {
        return clientId;
    }

    public int messageId() {
        return messageId;
    }

    public String payload() {
        return payload;
    }

    /** The node's connection count when the message arrived (1 for its first connection). */
    public int connectCount() {
        return connectCount;
    }

    /** The node's address as {@code host:port}. */
    public String remoteAddress() {
        return remoteAddress;
    }

    /** When the gateway received the line (epoch ms); for a resent message, when the first copy came. */
    public long receivedAt() {
        return receivedAt;
    }

    /**
     * Reports that the listener is done with the message: success, or failure (ack mode processed: the message then
     * stays unacknowledged and the node resends it). Only the first call counts.
     */
    public void done(boolean success) {
        if (reported.compareAndSet(false, true)) {
            completion.done(success);
        }
    }

    @Override
    public String toString() {
        return "InboundMessage[" + clientId + " " + Protocol.hex(messageId) + "]";
    }
}
