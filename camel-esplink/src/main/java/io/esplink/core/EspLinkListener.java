package io.esplink.core;

/**
 * Receives the messages (and optionally the connection events) of the nodes of one server: of one client ID, or of
 * every client ID. Several listeners may match one node: each receives every message. Called on the session's
 * notifier thread, in order per node.
 */
public interface EspLinkListener {

    AckMode ackMode();

    /** True to be told of {@link SessionEvent}s. */
    boolean wantsEvents();

    /** False for a listener of events only: it is given no messages and takes no part in acknowledging them. */
    default boolean wantsMessages() {
        return true;
    }

    void onMessage(InboundMessage message);

    default void onEvent(SessionEvent event) {
    }
}
