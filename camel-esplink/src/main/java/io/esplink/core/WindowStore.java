package io.esplink.core;

/**
 * What a store of node messages already holds, read back from the store itself: the SPI that lets a gateway
 * restarted after a crash recognise a node's resend of a message that was stored but whose ACK never left.
 * <p>
 * A listener that stores messages ({@link EspLinkListener#windowStore()}, ack mode processed) names its store. The
 * first time a node's message is to be given to that listener after the gateway started, the session asks the store
 * for the node's latest stored message IDs and rebuilds from them a duplicate window (L10) of that listener alone;
 * from then on the window follows what the listener stores. A message whose ID is in it is acknowledged to the node
 * without being given to that listener again. A store answers from the data it keeps, so what it reports is durable
 * exactly when the messages are: in the same transaction for a database, in the same fsync for a file.
 * <p>
 * ID 0 is always a new message (L10: a node sends it first after it started, and it clears the window), so the one
 * case this cannot catch is a crash between storing a node's first message after its start and acknowledging it:
 * that message is stored twice, duplicate rather than loss.
 */
@FunctionalInterface
public interface WindowStore {

    /**
     * The IDs of the latest messages of node {@code clientId} that this store holds, newest last: at least the last
     * 256 (or all since its last ID 0). Called on a delivery thread, at most once per node and
     * listener between gateway starts (again after a failure); it may block on I/O.
     *
     * @throws Exception if the store cannot be read: the message is then left unacknowledged, to be tried again on
     *                   the node's resend
     */
    StoredTail load(String clientId) throws Exception;
}
