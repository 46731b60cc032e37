package io.esplink.core;

/** A node connected to or disconnected from the gateway. */
public final class SessionEvent {

    public enum Type {
        CONNECTED,
        DISCONNECTED
    }

    private final Type type;
    private final String clientId;
    private final String reason;
    private final String remoteAddress;
    private final int connectCount;
    private final long timestamp;

    public SessionEvent(Type type, String clientId, String reason, String remoteAddress, int connectCount) {
        this.type = type;
        this.clientId = clientId;
        this.reason = reason;
        this.remoteAddress = remoteAddress;
        this.connectCount = connectCount;
        this.timestamp = System.currentTimeMillis();
    }

    public Type type() {
        return type;
    }

    public String clientId() {
        return clientId;
    }

    /** Why the node disconnected ("timeout: ...", "closed by peer", ...), or "connected". */
    public String reason() {
        return reason;
    }

    public String remoteAddress() {
        return remoteAddress;
    }

    public int connectCount() {
        return connectCount;
    }

    /** When it happened, in epoch milliseconds. */
    public long timestamp() {
        return timestamp;
    }

    @Override
    public String toString() {
        return type + " " + clientId + " (" + reason + ")";
    }
}
