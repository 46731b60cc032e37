package io.esplink.core;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A node's message delivered to one listener. With {@link AckMode#PROCESSED} the listener must call {@link #done}
 * once; the node's message is ACKed when every listener it went to has reported success. With
 * {@link AckMode#RECEIVED} the listener's part is done on delivery and {@code done} does nothing.
 */
public final class InboundMessage {

    private final Session session;
    private final int messageId;
    private final String payload;
    private final int connectCount;
    private final String remoteAddress;
    private final AckMode ackMode;
    private final Session.Delivery delivery;
    private final EspLinkListener listener;
    private final AtomicBoolean reported = new AtomicBoolean();
    private final long receivedAt;

    InboundMessage(Session session, int messageId, String payload, int connectCount, String remoteAddress,
                   AckMode ackMode, Session.Delivery delivery, EspLinkListener listener, long receivedAt) {
        this.session = session;
        this.messageId = messageId;
        this.payload = payload;
        this.connectCount = connectCount;
        this.remoteAddress = remoteAddress;
        this.ackMode = ackMode;
        this.delivery = delivery;
        this.listener = listener;
        this.receivedAt = receivedAt;
    }

    /** When the gateway received the line (epoch ms); for a resent message, when the first copy came. */
    public long receivedAt() {
        return receivedAt;
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
        if (ackMode == AckMode.PROCESSED && delivery != null && reported.compareAndSet(false, true)) {
            session.processed(delivery, listener, success);
        }
    }
}
