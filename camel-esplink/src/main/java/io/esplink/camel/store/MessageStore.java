package io.esplink.camel.store;

import io.esplink.core.WindowStore;
import org.apache.camel.Exchange;

/**
 * A durable store of what esplink consumers receive: {@link #store} returns only once the record is durable, so a
 * route with ackMode=processed acknowledges a node's message only when it would survive a crash; as a
 * {@link WindowStore} it tells a restarted gateway which messages it holds, so resends are not stored twice.
 */
public interface MessageStore extends WindowStore {

    /**
     * Stores the record of an esplink consumer exchange (a node message, or a connection event with
     * {@code CamelEspLinkEvent}) and returns once it is durable.
     */
    void store(Exchange exchange) throws Exception;

    /**
     * Writes and removes a probe record, durably, as a message would be written: fails, with a message naming the
     * store's location and the cause, while the store refuses writes.
     */
    void probe() throws Exception;

    /** Where the records go: a directory, a JDBC URL. */
    String location();
}
