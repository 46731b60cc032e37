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

    /**
     * True if this listener reports {@link InboundMessage#done} for every message, in both ack modes: a node's next
     * message then goes to it only once it did, so a listener that completes asynchronously still sees each node's
     * messages one at a time, in order. By default only in ack mode processed (where {@code done} is required, as it
     * decides the ACK); a listener in ack mode received is otherwise done with a message when {@code onMessage}
     * returns.
     */
    default boolean reportsDone() {
        return ackMode() == AckMode.PROCESSED;
    }

    /**
     * True if this listener keeps each node's messages in order by itself once {@code onMessage} returned (it queues
     * them, as a batching consumer does): the node's next message is then given to it at once, not after
     * {@link InboundMessage#done}. False by default.
     */
    default boolean keepsOrder() {
        return false;
    }

    /**
     * The store this listener writes node messages to, if it can tell which it holds (ack mode processed only): a
     * restarted gateway then recognises a resend of a message this listener stored before a crash. Null for none.
     */
    default WindowStore windowStore() {
        return null;
    }

    /**
     * {@code message} was not given to this listener because its {@link #windowStore()} could not be read, so it is
     * unknown whether the store holds it; it stays unacknowledged and the node resends it.
     */
    default void onNotDelivered(InboundMessage message, Exception cause) {
    }

    default void onEvent(SessionEvent event) {
    }
}
