package io.esplink.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.esplink.camel.EspLinkConstants;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every node of the fleet is: the gateway's in-memory copy of the compacted presence topic (key: client ID;
 * value: {@code {"clientId":..,"gatewayId":..,"state":"CONNECTED","since":<epoch ms>,"connectCount":n}}), which
 * every gateway reads from its beginning at each start, and this gateway's own view of the nodes connected to it.
 * <p>
 * Records from different gateways about one node can arrive out of order (gateway A reports the node's disconnect
 * after gateway B reported its connect). So a DISCONNECTED record counts only when it comes from the gateway the table
 * has the node at, for that connection or a later one; a CONNECTED record always counts. What the compacted topic
 * keeps (its last record per node) can still be such a late DISCONNECTED: every gateway therefore compares, every
 * {@code esplink.kafka.presence-refresh}, the table with the nodes it really holds and publishes what differs
 * ({@link #corrections}): its nodes shown elsewhere or offline, and nodes shown at it that are not (say after a crash
 * of its previous run).
 */
public class PresenceTable implements PollHook {

    private static final Logger LOG = LoggerFactory.getLogger(PresenceTable.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final String CONNECTED = "CONNECTED";
    public static final String DISCONNECTED = "DISCONNECTED";

    /** A node's presence: at which gateway, in which state since when, its connection count there. */
    public record Presence(String clientId, String gatewayId, String state, long since, int connectCount) {
        public boolean connected() {
            return CONNECTED.equals(state);
        }
    }

    private String gatewayId;
    private final Map<String, Presence> table = new ConcurrentHashMap<>();
    private final Map<String, Presence> local = new ConcurrentHashMap<>();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final CatchUp catchUp = new CatchUp(this::caughtUp);

    /** Called with a client ID whenever the table's entry for it may have changed, and with null once caught up. */
    public void addListener(Consumer<String> listener) {
        listeners.add(listener);
    }

    /**
     * Route step for the esplink consumer's connection events: records the event in this gateway's own view and
     * makes the exchange the presence record (body JSON, key the client ID).
     */
    public void event(Exchange exchange) {
        Message in = exchange.getMessage();
        String clientId = in.getHeader(EspLinkConstants.CLIENT_ID, String.class);
        String type = in.getHeader(EspLinkConstants.EVENT, String.class);
        Long at = in.getHeader(EspLinkConstants.MESSAGE_TIMESTAMP, Long.class);
        Integer count = in.getHeader(EspLinkConstants.CONNECT_COUNT, Integer.class);
        Presence p = new Presence(clientId, gatewayId, CONNECTED.equals(type) ? CONNECTED : DISCONNECTED,
                at != null ? at : System.currentTimeMillis(), count != null ? count : 0);
        if (p.connected()) {
            local.put(clientId, p);
        } else {
            local.computeIfPresent(clientId, (k, v) -> v.connectCount() <= p.connectCount() ? null : v);
        }
        in.setBody(json(p));
        in.setHeader(KafkaConstants.KEY, clientId);
        in.setHeader(EspLinkKafkaHeaders.GATEWAY_ID, gatewayId);
    }

    /** Route step for each record of the presence topic, read from its beginning. */
    public void onRecord(Exchange exchange) {
        Message in = exchange.getMessage();
        String clientId = in.getHeader(KafkaConstants.KEY, String.class);
        if (clientId == null) {
            return;
        }
        String body = in.getBody(String.class);
        if (body == null || body.isEmpty()) {
            table.remove(clientId); // a tombstone: the node is forgotten
        } else {
            Presence p;
            try {
                p = parse(clientId, body);
            } catch (JsonProcessingException | RuntimeException e) {
                LOG.warn("Ignored a presence record for node '{}' that is not one: {}", clientId, e.getMessage());
                return;
            }
            table.compute(clientId, (k, cur) -> apply(cur, p));
        }
        listeners.forEach(l -> l.accept(clientId));
    }

    /** The rule by which records change an entry (see the class comment). */
    static Presence apply(Presence current, Presence record) {
        if (record.connected() || current == null) {
            return record;
        }
        if (current.gatewayId().equals(record.gatewayId()) && record.connectCount() >= current.connectCount()) {
            return record;
        }
        return current;
    }

    /**
     * The presence records that would set the table right about this gateway's nodes (see the class comment), to
     * be published; none until the table has caught up with the topic.
     */
    public List<Message> corrections(Exchange exchange) {
        List<Message> out = new ArrayList<>();
        if (!isReady()) {
            return out;
        }
        CamelContext context = exchange.getContext();
        for (Presence mine : local.values()) {
            Presence shown = table.get(mine.clientId());
            if (shown == null || !shown.connected() || !gatewayId.equals(shown.gatewayId())
                || shown.since() != mine.since()) {
                LOG.debug("Presence of node '{}' corrected: shown {}, connected here", mine.clientId(), shown);
                out.add(message(context, mine));
            }
        }
        for (Presence shown : table.values()) {
            if (shown.connected() && gatewayId.equals(shown.gatewayId()) && !local.containsKey(shown.clientId())) {
                LOG.debug("Presence of node '{}' corrected: shown connected here, it is not", shown.clientId());
                out.add(message(context, new Presence(shown.clientId(), gatewayId, DISCONNECTED,
                        System.currentTimeMillis(), shown.connectCount())));
            }
        }
        return out;
    }

    private Message message(CamelContext context, Presence p) {
        Message m = new DefaultMessage(context);
        m.setBody(json(p));
        m.setHeader(KafkaConstants.KEY, p.clientId());
        m.setHeader(EspLinkKafkaHeaders.GATEWAY_ID, gatewayId);
        return m;
    }

    /** Where the table has the node, or null for a node it has never seen. */
    public Presence lookup(String clientId) {
        return table.get(clientId);
    }

    /** Whether the node is connected to this gateway now (this gateway's own view, not the table's). */
    public boolean connectedHere(String clientId) {
        return local.containsKey(clientId);
    }

    /** A copy of the table. */
    public Map<String, Presence> snapshot() {
        return Map.copyOf(table);
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
        LOG.info("Presence table of gateway '{}' caught up: {} node(s) known", gatewayId, table.size());
        listeners.forEach(l -> l.accept(null));
    }

    static String json(Presence p) {
        ObjectNode n = JSON.createObjectNode();
        n.put("clientId", p.clientId());
        n.put("gatewayId", p.gatewayId());
        n.put("state", p.state());
        n.put("since", p.since());
        n.put("connectCount", p.connectCount());
        return n.toString();
    }

    static Presence parse(String clientId, String json) throws JsonProcessingException {
        JsonNode n = JSON.readTree(json);
        String state = n.path("state").asText();
        if (!CONNECTED.equals(state) && !DISCONNECTED.equals(state)) {
            throw new IllegalArgumentException("state " + state);
        }
        return new Presence(clientId, n.path("gatewayId").asText(), state, n.path("since").asLong(),
                n.path("connectCount").asInt());
    }

    public String getGatewayId() {
        return gatewayId;
    }

    public void setGatewayId(String gatewayId) {
        this.gatewayId = gatewayId;
    }
}
