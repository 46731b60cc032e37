package io.esplink.core;

import java.time.Instant;

/**
 * What the gateway knows of one node, as a snapshot: for the gateway's API, health checks and consoles. Times are
 * null when they have not happened.
 *
 * @param clientId             the node's client ID
 * @param connected            a connection is attached now (it may still be in its L15 hold)
 * @param connectedSince       when the current connection was attached
 * @param disconnectedAt       when the last connection ended
 * @param lastDisconnectReason why it ended ("timeout: ...", "closed by peer", ...)
 * @param remoteAddress        {@code host:port} of the current or last connection
 * @param connectCount         connections so far (since the gateway started)
 * @param lastMessageAt        when the node's last message arrived
 * @param messagesIn           new messages received from the node
 * @param duplicatesIn         duplicates received from the node (L9-L10)
 * @param messagesOut          messages sent to the node (first sends)
 * @param retransmissions      messages sent to the node again (L20)
 * @param pending              messages to the node waiting to be sent or acknowledged
 * @param protocolErrors       lines from the node that were none of ID, keepalive, ACK or message (L6)
 * @param undeliverable        messages that found no listener (left unacknowledged, so the node keeps them)
 * @param held                 the node's messages held now, waiting for or in the routes
 * @param lastPayload          the start of the node's last message, control characters escaped, cut to 100 characters
 *                             (with "...(n characters)" when longer); null before the first
 */
public record NodeView(String clientId, boolean connected, Instant connectedSince, Instant disconnectedAt,
                       String lastDisconnectReason, String remoteAddress, int connectCount, Instant lastMessageAt,
                       long messagesIn, long duplicatesIn, long messagesOut, long retransmissions, int pending,
                       long protocolErrors, long undeliverable, int held, String lastPayload) {
}
