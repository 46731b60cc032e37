package io.esplink.core;

/**
 * A node's message delivered to a listener. With {@link AckMode#PROCESSED} the listener must call {@link #done}
 * exactly once; with {@link AckMode#RECEIVED} the message was ACKed before delivery and {@code done} does nothing.
 */
public final class InboundMessage {

    private final Session session;
    private final int messageId;
    private final String payload;
    private final int connectCount;
    private final String remoteAddress;
    private final AckMode ackMode;

    InboundMessage(Session session, int messageId, String payload, int connectCount, String remoteAddress,
                   AckMode ackMode) {
        this.session = session;
        this.messageId = messageId;
        this.payload = payload;
        this.connectCount = connectCount;
        this.remoteAddress = remoteAddress;
        this.ackMode = ackMode;
    }

    public String clientId() {
        return session.id();
    }

    public Session session() {
        return session;
    }

    public int messageId() {
        return messageId;
    }

    public String payload() {
        return payload;
    }

    /** The session's connection count when the message arrived (1 for the first connection). */
    public int connectCount() {
        return connectCount;
    }

    /** The node's address as {@code host:port}. */
    public String remoteAddress() {
        return remoteAddress;
    }

    /** Reports the outcome of processing (ack mode "processed"): success ACKs, failure leaves it to be resent. */
    public void done(boolean success) {
        if (ackMode == AckMode.PROCESSED) {
            session.processed(messageId, success);
        }
    }
}
