package io.esplink.cluster;

import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outcome of every recent command: the gateway's in-memory copy of the results topic, which applications read
 * for the outcome of their commands and every gateway reads from its beginning (the topic keeps
 * {@code esplink.kafka.results-retention}, a day by default). A result record has key the client ID, value
 * {@code {"commandId":..,"correlationId":..,"clientId":..,"result":"delivered","gatewayId":..,"at":".."}} and the
 * headers {@link EspLinkKafkaHeaders#COMMAND_ID}, {@link EspLinkKafkaHeaders#CORRELATION_ID} and
 * {@link EspLinkKafkaHeaders#RESULT}. The first result of a command is its outcome; a later one for the same command
 * (possible only in a race at its expiry) is ignored here and should be by applications.
 */
public class CommandResults implements PollHook {

    private static final Logger LOG = LoggerFactory.getLogger(CommandResults.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final String DELIVERED = "delivered";
    public static final String EXPIRED = "expired";
    public static final String UNKNOWN_NODE = "unknown-node";
    public static final String INVALID = "invalid";

    private record Entry(String result, long seenAt) {
    }

    private final Map<String, Entry> results = new ConcurrentHashMap<>();
    private final List<BiConsumer<String, String>> listeners = new CopyOnWriteArrayList<>();
    private final CatchUp catchUp = new CatchUp(this::caughtUp);
    private final AtomicLong sincePrune = new AtomicLong();
    private long keepMs = 24 * 3600 * 1000L;

    /** Called with (client ID, command ID) for each new result, and with (null, null) once caught up. */
    public void addListener(BiConsumer<String, String> listener) {
        listeners.add(listener);
    }

    /** Route step for each record of the results topic. */
    public void onRecord(Exchange exchange) {
        Message in = exchange.getMessage();
        String body = in.getBody(String.class);
        if (body == null || body.isEmpty()) {
            return;
        }
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (Exception e) {
            LOG.warn("Ignored a record of the results topic that is not a result: {}", e.getMessage());
            return;
        }
        String commandId = n.path("commandId").asText(null);
        String result = n.path("result").asText(null);
        if (commandId == null || result == null) {
            return;
        }
        String clientId = n.path("clientId").asText(in.getHeader(KafkaConstants.KEY, String.class));
        if (results.putIfAbsent(commandId, new Entry(result, System.currentTimeMillis())) == null) {
            listeners.forEach(l -> l.accept(clientId, commandId));
        }
        if (sincePrune.incrementAndGet() % 1000 == 0) {
            prune();
        }
    }

    /** The first result of the command, or null. */
    public String resultOf(String commandId) {
        Entry e = results.get(commandId);
        return e == null ? null : e.result();
    }

    /** True once the table holds what the topic held when this gateway started reading it. */
    public boolean isReady() {
        return catchUp.isReady();
    }

    @Override
    public void beforePoll(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer) {
        catchUp.beforePoll(consumer);
    }

    private void caughtUp() {
        LOG.info("Command results caught up: {} result(s) known", results.size());
        listeners.forEach(l -> l.accept(null, null));
    }

    /** Forgets results seen more than {@code keepMs} ago (no command lives that long). */
    void prune() {
        long before = System.currentTimeMillis() - keepMs;
        for (Iterator<Entry> it = results.values().iterator(); it.hasNext();) {
            if (it.next().seenAt() < before) {
                it.remove();
            }
        }
    }

    /** A result record for the results topic (body JSON, key the client ID, the result headers). */
    public static Message message(CamelContext context, String clientId, String commandId, String correlationId,
                                  String result, String gatewayId) {
        ObjectNode n = JSON.createObjectNode();
        n.put("commandId", commandId);
        n.put("correlationId", correlationId);
        n.put("clientId", clientId);
        n.put("result", result);
        n.put("gatewayId", gatewayId);
        n.put("at", Instant.now().toString());
        Message m = new DefaultMessage(context);
        m.setBody(n.toString());
        m.setHeader(KafkaConstants.KEY, clientId);
        m.setHeader(EspLinkKafkaHeaders.COMMAND_ID, commandId);
        m.setHeader(EspLinkKafkaHeaders.CORRELATION_ID, correlationId);
        m.setHeader(EspLinkKafkaHeaders.RESULT, result);
        m.setHeader(EspLinkKafkaHeaders.GATEWAY_ID, gatewayId);
        return m;
    }

    public long getKeepMs() {
        return keepMs;
    }

    public void setKeepMs(long keepMs) {
        this.keepMs = keepMs;
    }
}
