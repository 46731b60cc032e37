package io.esplink.core;

/**
 * A message was not acknowledged (or, with qos off, not written) within its send timeout. When {@link #wasSent()} is
 * true the node may still have received it: only its ACK is missing.
 */
public class SendTimeoutException extends EspLinkException {

    private final String clientId;
    private final boolean sent;

    public SendTimeoutException(String clientId, long timeoutMs, boolean sent, String state) {
        super("Message to node '" + clientId + "' not " + (sent ? "acknowledged" : "sent") + " within " + timeoutMs
              + " ms (" + state + ")"
              + (sent ? "; it was sent, so the node may have received it with its ACK lost" : ""));
        this.clientId = clientId;
        this.sent = sent;
    }

    public String getClientId() {
        return clientId;
    }

    /** True if the message was written at least once before the time ran out. */
    public boolean wasSent() {
        return sent;
    }
}
