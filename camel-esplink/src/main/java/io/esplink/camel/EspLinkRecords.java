package io.esplink.camel;

import java.time.Instant;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * One-line JSON records of esplink consumer exchanges, for routes that store or forward them (files, HTTP, MQTT,
 * databases). Usable from any DSL as a bean, for example in YAML:
 *
 * <pre>
 * - setBody:
 *     method:
 *       beanType: io.esplink.camel.EspLinkRecords
 *       method: record
 * </pre>
 *
 * A message becomes {@code {"receivedAt":"2026-11-24T10:15:30.123Z","clientId":"kitchen","messageId":5,
 * "connectCount":1,"remoteAddress":"192.168.1.20:50123","payload":"..."}}; an event (events=true) becomes
 * {@code {"at":"...","clientId":"kitchen","event":"DISCONNECTED","online":false,"reason":"...","connectCount":1,
 * "remoteAddress":"..."}}. A payload that is a JSON object or array is kept as JSON, exactly as the node sent it
 * ({@code "payload":{"t":21.5}}); any other payload is a JSON string ({@code "payload":"ping"}).
 */
public final class EspLinkRecords {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private EspLinkRecords() {
    }

    /** The record of an esplink exchange: an event record if it carries {@code CamelEspLinkEvent}, else a message record. */
    public static String record(Exchange exchange) {
        Message in = exchange.getMessage();
        return in.getHeader(EspLinkConstants.EVENT) != null ? event(exchange) : message(exchange);
    }

    /** The record of a node message. */
    public static String message(Exchange exchange) {
        Message in = exchange.getMessage();
        ObjectNode n = MAPPER.createObjectNode();
        n.put("receivedAt", timestamp(exchange));
        n.put("clientId", in.getHeader(EspLinkConstants.CLIENT_ID, String.class));
        Integer mid = in.getHeader(EspLinkConstants.MESSAGE_ID, Integer.class);
        if (mid != null) {
            n.put("messageId", mid);
        }
        putCommon(n, in);
        putPayload(n, in.getBody(String.class));
        return n.toString();
    }

    /** The record of one message of a batch: the same as {@link #message(Exchange)} gives for a single one. */
    public static String message(EspLinkMessage m) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("receivedAt", Instant.ofEpochMilli(m.receivedAt()).toString());
        n.put("clientId", m.clientId());
        n.put("messageId", m.messageId());
        putConnection(n, m.connectCount(), m.remoteAddress());
        putPayload(n, m.payload());
        return n.toString();
    }

    /** The record of a connection event. */
    public static String event(Exchange exchange) {
        Message in = exchange.getMessage();
        ObjectNode n = MAPPER.createObjectNode();
        String type = in.getHeader(EspLinkConstants.EVENT, String.class);
        n.put("at", timestamp(exchange));
        n.put("clientId", in.getHeader(EspLinkConstants.CLIENT_ID, String.class));
        n.put("event", type);
        n.put("online", "CONNECTED".equals(type));
        n.put("reason", in.getHeader(EspLinkConstants.EVENT_REASON, String.class));
        putCommon(n, in);
        return n.toString();
    }

    /** The record of one event of a batch (batchEvents): the same as {@link #event(Exchange)} gives for a single one. */
    public static String event(EspLinkEvent e) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("at", Instant.ofEpochMilli(e.at()).toString());
        n.put("clientId", e.clientId());
        n.put("event", e.event());
        n.put("online", e.connected());
        n.put("reason", e.reason());
        putConnection(n, e.connectCount(), e.remoteAddress());
        return n.toString();
    }

    /**
     * {@code clientId} made safe as a file name or a single MQTT topic level: every character other than
     * {@code A-Z a-z 0-9 . _ -} becomes {@code _}, and a name of dots only gets a leading {@code _}. Distinct IDs can
     * map to one name ({@code a/b} and {@code a_b}); the records keep the real client ID.
     */
    public static String safeName(String clientId) {
        if (clientId == null || clientId.isEmpty()) {
            return "_";
        }
        StringBuilder sb = new StringBuilder(clientId.length());
        boolean dotsOnly = true;
        for (int i = 0; i < clientId.length(); i++) {
            char c = clientId.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                         || c == '-';
            sb.append(ok ? c : '_');
            dotsOnly &= c == '.';
        }
        return dotsOnly ? "_" + sb : sb.toString();
    }

    /**
     * The payload as JSON, verbatim, when it is a JSON object or array on one line (it parses, with nothing after it);
     * as a JSON string otherwise.
     */
    private static void putPayload(ObjectNode n, String payload) {
        if (payload != null && isJsonDocument(payload)) {
            n.putRawValue("payload", new RawValue(payload));
        } else {
            n.put("payload", payload);
        }
    }

    private static boolean isJsonDocument(String s) {
        String t = s.strip();
        if (t.isEmpty() || (t.charAt(0) != '{' && t.charAt(0) != '[') || s.indexOf('\n') >= 0
            || s.indexOf('\r') >= 0) {
            return false;
        }
        try {
            JsonNode parsed = STRICT.readTree(t);
            return parsed != null && parsed.isContainerNode();
        } catch (Exception e) {
            return false;
        }
    }

    private static void putCommon(ObjectNode n, Message in) {
        putConnection(n, in.getHeader(EspLinkConstants.CONNECT_COUNT, Integer.class),
                in.getHeader(EspLinkConstants.REMOTE_ADDRESS, String.class));
    }

    /** The connection a record came on: each field when known. */
    private static void putConnection(ObjectNode n, Integer connectCount, String remoteAddress) {
        if (connectCount != null) {
            n.put("connectCount", connectCount);
        }
        if (remoteAddress != null) {
            n.put("remoteAddress", remoteAddress);
        }
    }

    private static String timestamp(Exchange exchange) {
        Long ts = exchange.getMessage().getHeader(EspLinkConstants.MESSAGE_TIMESTAMP, Long.class);
        return Instant.ofEpochMilli(ts != null ? ts : exchange.getClock().getCreated()).toString();
    }
}
