package io.esplink.camel.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.esplink.core.GatewayStats;
import io.esplink.core.GatewayView;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The meters of one esplink gateway (one listening address), every one named {@code esplink.*} and tagged
 * {@code address=<host>:<port>}. The component binds one per address to the Camel registry's {@link MeterRegistry}
 * when the address's server starts, and removes them when it stops; {@link #bindTo} binds them to a registry of your
 * own instead.
 * <p>
 * Nothing is counted for them: the counters and gauges read what the gateway counts anyway ({@link GatewayStats},
 * {@link GatewayView}), when the registry is read. Only the two timers are told each sample as it happens.
 */
public class EspLinkMeterBinder implements MeterBinder, AutoCloseable {

    /** Gauge: nodes connected now. */
    public static final String NODES_CONNECTED = "esplink.nodes.connected";
    /** Gauge: nodes the gateway remembers (sessions: connected or away, with their queues and windows). */
    public static final String SESSIONS = "esplink.sessions";
    /** Gauge: node connections open now (also those still sending their ID). */
    public static final String CONNECTIONS = "esplink.connections";
    /** Gauge: messages to nodes waiting to be sent or acknowledged. */
    public static final String MESSAGES_PENDING = "esplink.messages.pending";
    /** Gauge: node messages held, waiting for or in the routes. */
    public static final String MESSAGES_HELD = "esplink.messages.held";
    /** Gauge: 1 while reading from nodes is paused because the routes are behind, else 0. */
    public static final String READING_PAUSED = "esplink.reading.paused";
    /** Counter: new messages from nodes. */
    public static final String MESSAGES_IN = "esplink.messages.in";
    /** Counter: duplicates from nodes (resends of messages delivered already). */
    public static final String MESSAGES_DUPLICATES = "esplink.messages.duplicates";
    /** Counter: messages written to nodes (first writes). */
    public static final String MESSAGES_OUT = "esplink.messages.out";
    /** Counter: messages written to nodes again. */
    public static final String MESSAGES_RETRANSMISSIONS = "esplink.messages.retransmissions";
    /** Counter, tag {@code reason}: connections refused before they attached. */
    public static final String CONNECTIONS_REFUSED = "esplink.connections.refused";
    /** Counter: node connections attached. */
    public static final String NODES_CONNECTS = "esplink.nodes.connects";
    /** Counter, tag {@code reason}: attached node connections that ended ({@code reason=timeout}: outages). */
    public static final String NODES_DISCONNECTS = "esplink.nodes.disconnects";
    /** Timer: a message to a node, first write to the node's ACK. */
    public static final String ACK_ROUNDTRIP = "esplink.ack.roundtrip";
    /** Timer: a node message under ackMode=processed, receipt to the gateway's ACK. */
    public static final String ACK_DELAY = "esplink.ack.delay";

    /** Refusal reasons the core gives; meters for them exist from the start (at 0), others are added when seen. */
    static final List<String> KNOWN_REFUSALS = List.of("address not allowed", "bad client ID", "closed to make room",
            "duplicate client", "handshake timeout", "ID line too long", "limit per address", "no credentials",
            "room kept for known nodes", "TLS error", "too many connections", "too many nodes", "unknown client",
            "wrong secret");

    private final GatewayView gateway;
    private final String address;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private final Set<String> reasons = ConcurrentHashMap.newKeySet();
    private volatile MeterRegistry registry;
    private volatile Timer ackRoundTrip;
    private volatile Timer ackDelay;
    private final GatewayStats.Observer observer = new GatewayStats.Observer() {
        @Override
        public void ackRoundTrip(long nanos) {
            Timer t = ackRoundTrip;
            if (t != null) {
                t.record(nanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void ackDelay(long nanos) {
            Timer t = ackDelay;
            if (t != null) {
                t.record(nanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void refused(String reason) {
            if (!reasons.contains(reason)) {
                refusedCounter(reason);
            }
        }
    };

    /**
     * @param gateway the gateway to measure
     * @param address its {@code host:port}, the {@code address} tag
     */
    public EspLinkMeterBinder(GatewayView gateway, String address) {
        this.gateway = gateway;
        this.address = address;
        this.tags = Tags.of("address", address);
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        if (this.registry != null) {
            throw new IllegalStateException("The esplink meters of " + address + " are bound already");
        }
        this.registry = registry;
        GatewayStats stats = gateway.stats();
        gauge(NODES_CONNECTED, "Nodes connected now", g -> g.connectedCount());
        gauge(SESSIONS, "Nodes the gateway remembers (connected or away)", g -> g.sessionCount());
        gauge(CONNECTIONS, "Node connections open now", g -> g.connectionCount());
        gauge(MESSAGES_PENDING, "Messages to nodes waiting to be sent or acknowledged", g -> g.pendingToNodes());
        gauge(MESSAGES_HELD, "Node messages held, waiting for or in the routes", g -> g.heldMessages());
        gauge(READING_PAUSED, "1 while reading from nodes is paused because the routes are behind",
                g -> g.readingPaused() ? 1 : 0);
        counter(MESSAGES_IN, "New messages received from nodes", stats, GatewayStats::messagesIn, tags);
        counter(MESSAGES_DUPLICATES, "Duplicate messages received from nodes", stats, GatewayStats::duplicatesIn,
                tags);
        counter(MESSAGES_OUT, "Messages written to nodes (first writes)", stats, GatewayStats::messagesOut, tags);
        counter(MESSAGES_RETRANSMISSIONS, "Messages written to nodes again", stats, GatewayStats::retransmissions,
                tags);
        counter(NODES_CONNECTS, "Node connections attached", stats, GatewayStats::connects, tags);
        for (String reason : GatewayStats.DISCONNECT_REASONS) {
            counter(NODES_DISCONNECTS, "Node connections that ended, by reason (timeout: outages)", stats,
                    s -> s.disconnects(reason), tags.and("reason", reason));
        }
        for (String reason : KNOWN_REFUSALS) {
            refusedCounter(reason);
        }
        for (String reason : stats.refusedByReason().keySet()) {
            refusedCounter(reason);
        }
        ackRoundTrip = add(Timer.builder(ACK_ROUNDTRIP)
                .description("Messages to nodes: first write to the node's ACK (those ACKed after one write)")
                .tags(tags).register(registry));
        ackDelay = add(Timer.builder(ACK_DELAY)
                .description("Node messages under ackMode=processed: receipt to the gateway's ACK")
                .tags(tags).register(registry));
        stats.addObserver(observer);
    }

    /** Removes the meters from the registry they were bound to. */
    @Override
    public synchronized void close() {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        gateway.stats().removeObserver(observer);
        ackRoundTrip = null;
        ackDelay = null;
        for (Meter m : meters) {
            r.remove(m);
        }
        meters.clear();
        reasons.clear();
        registry = null;
    }

    private synchronized void refusedCounter(String reason) {
        if (registry == null || !reasons.add(reason)) {
            return;
        }
        counter(CONNECTIONS_REFUSED, "Node connections refused before they attached, by reason", gateway.stats(),
                s -> s.refusedCount(reason), tags.and("reason", reason));
    }

    private void gauge(String name, String description, java.util.function.ToDoubleFunction<GatewayView> f) {
        add(Gauge.builder(name, gateway, f).description(description).tags(tags).strongReference(true)
                .register(registry));
    }

    private void counter(String name, String description, GatewayStats stats,
                         java.util.function.ToDoubleFunction<GatewayStats> f, Tags meterTags) {
        add(FunctionCounter.builder(name, stats, f).description(description).tags(meterTags).register(registry));
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    @Override
    public String toString() {
        return "EspLinkMeterBinder[" + address + "]";
    }
}
