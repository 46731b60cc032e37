package io.esplink.camel;

/**
 * A node's connect or disconnect as one element of a batch of events (consumer option {@code batchEvents}): what one
 * event exchange carries in its headers and body when events are not batched.
 *
 * @param clientId      the node's client ID
 * @param event         {@code CONNECTED} or {@code DISCONNECTED} (the header {@code CamelEspLinkEvent})
 * @param reason        why the node disconnected ({@code "timeout: ..."}, {@code "closed by peer"}, ...), or
 *                      {@code "connected"}
 * @param remoteAddress the node's {@code host:port}
 * @param connectCount  the node's connection count: of the connection that began (CONNECTED) or ended (DISCONNECTED)
 * @param at            when it happened (epoch ms)
 */
public record EspLinkEvent(String clientId, String event, String reason, String remoteAddress, int connectCount,
                           long at) {

    /** The event type of a connect. */
    public static final String CONNECTED = "CONNECTED";
    /** The event type of a disconnect. */
    public static final String DISCONNECTED = "DISCONNECTED";

    /** True for a connect, false for a disconnect. */
    public boolean connected() {
        return CONNECTED.equals(event);
    }
}
