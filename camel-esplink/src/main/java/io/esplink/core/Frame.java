package io.esplink.core;

/**
 * One line read from a peer, classified by rules L3-L6. Keepalive and ACK frames are shared instances: reading them
 * allocates nothing.
 */
public final class Frame {

    public enum Type {
        /** L3: the first line of a connection, the client ID. */
        ID,
        /** L4: an empty line. */
        KEEPALIVE,
        /** L5: exactly two hex digits. */
        ACK,
        /** L5: two hex digits of message ID, then a payload. */
        MESSAGE,
        /** L6: a line that is none of the above. */
        BAD
    }

    public static final Frame KEEPALIVE = new Frame(Type.KEEPALIVE, -1, null);
    /** An ID line that is not valid UTF-8 (its text is null). */
    public static final Frame ID_NOT_UTF8 = new Frame(Type.ID, -1, null);
    private static final Frame[] ACKS = new Frame[256];

    static {
        for (int i = 0; i < 256; i++) {
            ACKS[i] = new Frame(Type.ACK, i, null);
        }
    }

    private final Type type;
    private final int messageId;
    private final String text;

    private Frame(Type type, int messageId, String text) {
        this.type = type;
        this.messageId = messageId;
        this.text = text;
    }

    public static Frame id(String clientId) {
        return new Frame(Type.ID, -1, clientId);
    }

    public static Frame ack(int mid) {
        return ACKS[Protocol.checkMid(mid)];
    }

    public static Frame message(int mid, String payload) {
        return new Frame(Type.MESSAGE, Protocol.checkMid(mid), payload);
    }

    public static Frame bad(String line) {
        return new Frame(Type.BAD, -1, line);
    }

    public Type type() {
        return type;
    }

    /** The message ID of an ACK or a message; -1 otherwise. */
    public int messageId() {
        return messageId;
    }

    /** The client ID of an ID frame, the payload of a message, the offending line of a bad frame; null otherwise. */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        switch (type) {
            case ACK:
                return "ACK " + Protocol.hex(messageId);
            case MESSAGE:
                return "MSG " + Protocol.hex(messageId) + " " + text;
            case KEEPALIVE:
                return "KA";
            default:
                return type + " " + text;
        }
    }
}
