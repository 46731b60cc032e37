package io.esplink.cluster;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.esplink.camel.EspLinkConstants;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery side: the steps of the route that reads this gateway's command topic, on which routers hand it the
 * commands for the nodes they see connected to it. {@link #accept} decides (header {@value #ACTION}):
 * {@value #DELIVER} when the node is connected here and the command is neither finished, expired nor being
 * delivered; {@value #REPORT} when this gateway delivered it already but its result may not have reached Kafka;
 * {@value #SKIP} otherwise (the router hands it on again wherever the node shows up). After the node ACKed,
 * {@link #result} makes the exchange the {@code delivered} result.
 */
public class CommandDelivery {

    private static final Logger LOG = LoggerFactory.getLogger(CommandDelivery.class);

    public static final String ACTION = "esplinkCommandAction";
    public static final String DELIVER = "deliver";
    public static final String REPORT = "report";
    public static final String SKIP = "skip";
    private static final String COMMAND_ID = "esplinkCommandId";
    private static final String CORRELATION_ID = "esplinkCorrelationId";

    private PresenceTable presence;
    private CommandResults results;
    private String gatewayId;
    private long keepMs = 3600_000L;
    private final Map<String, Long> delivering = new ConcurrentHashMap<>();
    private final Map<String, Long> delivered = new ConcurrentHashMap<>();

    /** First step: what to do with a handed-on command; leaves the body (the line) and the esplink target. */
    public void accept(Exchange exchange) {
        Message in = exchange.getMessage();
        Headers headers = in.getHeader(KafkaConstants.HEADERS, Headers.class);
        String clientId = in.getHeader(KafkaConstants.KEY, String.class);
        String id = EspLinkKafkaHeaders.get(headers, EspLinkKafkaHeaders.COMMAND_ID);
        String correlationId = EspLinkKafkaHeaders.get(headers, EspLinkKafkaHeaders.CORRELATION_ID);
        String expiresAt = EspLinkKafkaHeaders.get(headers, EspLinkKafkaHeaders.EXPIRES_AT);
        long now = System.currentTimeMillis();
        String action;
        String why;
        if (clientId == null || id == null) {
            action = SKIP;
            why = "no client ID or command ID";
        } else if (results.resultOf(id) != null) {
            action = SKIP;
            why = "finished: " + results.resultOf(id);
        } else if (delivered.containsKey(id)) {
            action = REPORT;
            why = "delivered here before";
        } else if (expiresAt != null && now >= Long.parseLong(expiresAt)) {
            action = SKIP;
            why = "expired";
        } else if (!presence.connectedHere(clientId)) {
            action = SKIP;
            why = "node not connected here";
        } else if (delivering.putIfAbsent(id, now) != null) {
            action = SKIP;
            why = "being delivered";
        } else {
            action = DELIVER;
            why = "node connected here";
        }
        LOG.debug("Command {} for node '{}': {} ({})", id, clientId, action, why);
        in.removeHeaders("*");
        in.setHeader(ACTION, action);
        in.setHeader(EspLinkConstants.CLIENT_ID, clientId);
        in.setHeader(COMMAND_ID, id);
        in.setHeader(CORRELATION_ID, correlationId);
    }

    /** After the node's ACK (or for a report): the exchange becomes the command's {@code delivered} result. */
    public void result(Exchange exchange) {
        Message in = exchange.getMessage();
        String id = in.getHeader(COMMAND_ID, String.class);
        String clientId = in.getHeader(EspLinkConstants.CLIENT_ID, String.class);
        String correlationId = in.getHeader(CORRELATION_ID, String.class);
        long now = System.currentTimeMillis();
        delivered.put(id, now);
        delivering.remove(id);
        if (delivered.size() > 10_000) {
            delivered.values().removeIf(at -> at < now - keepMs);
        }
        exchange.setMessage(CommandResults.message(exchange.getContext(), clientId, id, correlationId,
                CommandResults.DELIVERED, gatewayId));
    }

    /** The delivery failed (the node went away, or did not ACK in time): the router hands it on again. */
    public void failed(Exchange exchange) {
        String id = exchange.getMessage().getHeader(COMMAND_ID, String.class);
        if (id != null) {
            delivering.remove(id);
        }
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        LOG.debug("Command {} for node '{}' not delivered: {}", id,
                exchange.getMessage().getHeader(EspLinkConstants.CLIENT_ID), e == null ? "" : e.toString());
    }

    public void setPresence(PresenceTable presence) {
        this.presence = presence;
    }

    public void setResults(CommandResults results) {
        this.results = results;
    }

    public void setGatewayId(String gatewayId) {
        this.gatewayId = gatewayId;
    }

    public void setKeepMs(long keepMs) {
        this.keepMs = keepMs;
    }
}
