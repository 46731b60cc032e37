package io.esplink.camel;

/**
 * A node's message as one element of a batch (consumer option {@code batching}): what one exchange carries in its
 * headers when not batching.
 *
 * @param clientId      the node's client ID
 * @param messageId     the message ID (0-255) the node gave it
 * @param payload       what the node sent
 * @param receivedAt    when the gateway received it (epoch ms; for a resend, when the first copy came)
 * @param connectCount  the node's connection count when it arrived
 * @param remoteAddress the node's {@code host:port}
 */
public record EspLinkMessage(String clientId, int messageId, String payload, long receivedAt, int connectCount,
                             String remoteAddress) {
}
