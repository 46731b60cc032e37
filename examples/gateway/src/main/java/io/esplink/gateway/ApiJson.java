package io.esplink.gateway;

import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The JSON bodies of the HTTP API, as Jackson writes them: fields in the order of the components, times as ISO-8601
 * UTC strings ({@code 2025-03-01T10:00:00.123Z}), a null written as {@code null} unless said otherwise.
 */
final class ApiJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ApiJson() {
    }

    /** {@code body} as JSON text. */
    static String write(Object body) {
        try {
            return MAPPER.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write the answer as JSON", e); // records of strings and numbers
        }
    }

    /**
     * A node of {@code GET /nodes}: always its ID, whether it is connected and whether it is expected; then what the
     * gateway knows of it since it started ({@code live}, absent for a node without a session) and what the database
     * holds ({@code stored}, absent without stored messages).
     */
    record Node(String clientId, boolean connected, boolean expected, @JsonUnwrapped Live live,
                @JsonUnwrapped Stored stored) {

        static Node of(String clientId, boolean expected) {
            return new Node(clientId, false, expected, null, null);
        }

        Node withLive(boolean connected, Live live) {
            return new Node(clientId, connected, expected, live, stored);
        }

        /**
         * With the database's count and newest reception time; the time fills the live {@code lastMessageAt} when
         * that is empty, and stands after the count for a node without a session.
         */
        Node withStored(long messages, String lastMessageAt) {
            if (live == null) {
                return new Node(clientId, connected, expected, null, new Stored(messages, lastMessageAt));
            }
            Live l = live.lastMessageAt() != null ? live : live.withLastMessageAt(lastMessageAt);
            return new Node(clientId, connected, expected, l, new Stored(messages, null));
        }
    }

    /** A node's session: its link and its counters since the gateway started. */
    record Live(String since, String disconnectedAt, String lastDisconnectReason, String remoteAddress,
                int connectCount, int reconnects, String lastMessageAt, long messagesReceived, long duplicatesReceived,
                long messagesSent, long retransmissions, int pendingToNode) {

        Live withLastMessageAt(String at) {
            return new Live(since, disconnectedAt, lastDisconnectReason, remoteAddress, connectCount, reconnects, at,
                    messagesReceived, duplicatesReceived, messagesSent, retransmissions, pendingToNode);
        }
    }

    /** A node's stored messages; {@code lastMessageAt} only for a node without a session (else in {@link Live}). */
    record Stored(long storedMessages, @JsonInclude(JsonInclude.Include.NON_NULL) String lastMessageAt) {
    }

    /** A stored message of {@code GET /nodes/{id}/messages}. */
    record Message(String receivedAt, int messageId, String payload) {
    }

    /** A stored connection event of {@code GET /nodes/{id}/events}: CONNECTED or DISCONNECTED, and why. */
    record Event(String at, String event, String reason, String remoteAddress, Integer connectCount) {
    }

    /** {@code POST /ui/tickets}: a ticket that opens the status page's event stream once, within {@code expiresInMs}. */
    record Ticket(String ticket, long expiresInMs, String events) {
    }

    /** {@code POST /nodes/{id}/messages}: the node ACKed the line. */
    record Sent(String clientId, boolean delivered, String payload) {
    }

    /** Any request that failed: the HTTP status again, and why. */
    record Error(int status, String error) {
    }

    /**
     * {@code GET /health}. Without the token, {@code database} and {@code checks} give the state only (UP, DOWN),
     * not the reason, which may name files or nodes.
     */
    record Health(String status, NodeListener nodeListener, String database, HttpApi httpApi,
                  Map<String, String> routes, Map<String, String> checks, String camel) {
    }

    /** The HTTP API's own load: POSTs waiting for their node now, and how many may. */
    record HttpApi(int waitingPosts, int maxWaitingPosts) {
    }

    /** The esplink server the nodes connect to; port and counters only once it exists. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record NodeListener(String address, boolean running, Integer port, Integer connectedNodes,
                        Long refusedConnections) {
    }

    /** An ISO-8601 UTC time, or null for none (0 or null). */
    static String time(long epochMs) {
        return epochMs == 0 ? null : Instant.ofEpochMilli(epochMs).toString();
    }

    static String time(Instant t) {
        return t == null ? null : t.toString();
    }
}
