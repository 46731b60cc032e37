package io.esplink.core;

/**
 * Receives the messages (and optionally the connection events) of the nodes of one server: of one client ID, or of
 * every client ID no other listener claims. Called on the session's notifier thread, in order per node.
 */
public interface EspLinkListener {

    AckMode ackMode();

    /** True to be told of {@link SessionEvent}s. */
    boolean wantsEvents();

    void onMessage(InboundMessage message);

    default void onEvent(SessionEvent event) {
    }
}
