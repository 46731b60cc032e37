package io.esplink.core;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one gateway counted since it started, over all its nodes (also those it has forgotten since): messages each
 * way, duplicates, resends, connects and disconnects by reason, refused connections by reason, and two timings. For
 * metrics, JMX and consoles; read from any thread.
 * <p>
 * Cheap where it is counted: each count is a {@link LongAdder} (one add, no lock, no allocation), each timing a count,
 * a sum and a maximum of the same kind; a message costs a {@link System#nanoTime()} more only where it is timed.
 * Counters only grow. {@link Observer}s are told each timing and refusal as it happens, for meters of their own
 * (histograms, say); they run on the thread that counted (an event loop or the delivery executor) and must be quick.
 */
public final class GatewayStats {

    /** Disconnect reason: nothing received for a timeout (L13), an outage of the node or its network. */
    public static final String TIMEOUT = "timeout";
    /** Disconnect reason: the node (or the network between) closed the connection. */
    public static final String CLOSED_BY_PEER = "closed by peer";
    /** Disconnect reason: a new connection with the same client ID took its place (duplicateClientPolicy). */
    public static final String REPLACED = "replaced";
    /** Disconnect reason: the node sent a line longer than maxLineLength (L7). */
    public static final String LINE_TOO_LONG = "line too long";
    /** Disconnect reason: an I/O or TLS error on the connection. */
    public static final String ERROR = "error";
    /** Disconnect reason: an unrecognised node reached unknownClientTimeout. */
    public static final String UNRECOGNISED = "unrecognised node";
    /** Disconnect reason: closed by an operator ({@link EspLinkServer#disconnect}). */
    public static final String OPERATOR = "operator";
    /** Disconnect reason: the gateway is stopping. */
    public static final String STOPPING = "gateway stopping";
    /** Disconnect reason: any other. */
    public static final String OTHER = "other";
    /** Every disconnect reason counted, a fixed set (each a tag value of a metric). */
    public static final List<String> DISCONNECT_REASONS = List.of(TIMEOUT, CLOSED_BY_PEER, REPLACED, LINE_TOO_LONG,
            ERROR, UNRECOGNISED, OPERATOR, STOPPING, OTHER);

    /** The close reason {@link EspLinkServer#disconnect} gives by default. */
    public static final String DISCONNECTED_BY_OPERATOR = "disconnected by operator";

    /** Refusal reasons beyond this many distinct ones are counted as {@link #OTHER} (they are code's words). */
    private static final int MAX_REFUSAL_REASONS = 64;

    /** Told of each timing and each refusal as it happens; on the counting thread, so quick. */
    public interface Observer {

        /** A message to a node, ACKed after it was written once: first write to ACK, in nanoseconds. */
        default void ackRoundTrip(long nanos) {
        }

        /** A node message under ackMode=processed: its receipt to the gateway's ACK, in nanoseconds. */
        default void ackDelay(long nanos) {
        }

        /** A connection was refused for {@code reason} (as in {@link GatewayView#refusedConnectionsByReason()}). */
        default void refused(String reason) {
        }
    }

    /** A timing: how many, their sum and the longest, since the gateway started. */
    public static final class Timing {
        private final LongAdder count = new LongAdder();
        private final LongAdder totalNanos = new LongAdder();
        private final LongAccumulator maxNanos = new LongAccumulator(Math::max, 0);

        void record(long nanos) {
            count.increment();
            totalNanos.add(nanos);
            maxNanos.accumulate(nanos);
        }

        public long count() {
            return count.sum();
        }

        public long totalNanos() {
            return totalNanos.sum();
        }

        /** The longest so far, in nanoseconds (0 before the first). */
        public long maxNanos() {
            return maxNanos.get();
        }

        /** The mean in milliseconds (0 before the first). */
        public double meanMillis() {
            long n = count();
            return n == 0 ? 0 : totalNanos() / (double) n / TimeUnit.MILLISECONDS.toNanos(1);
        }

        /** The longest in milliseconds. */
        public double maxMillis() {
            return maxNanos() / (double) TimeUnit.MILLISECONDS.toNanos(1);
        }
    }

    private final LongAdder messagesIn = new LongAdder();
    private final LongAdder duplicatesIn = new LongAdder();
    private final LongAdder messagesOut = new LongAdder();
    private final LongAdder retransmissions = new LongAdder();
    private final LongAdder connects = new LongAdder();
    private final LongAdder[] disconnects = new LongAdder[DISCONNECT_REASONS.size()];
    private final ConcurrentHashMap<String, LongAdder> refused = new ConcurrentHashMap<>();
    private final Timing ackRoundTrip = new Timing();
    private final Timing ackDelay = new Timing();
    private volatile Observer[] observers = new Observer[0];

    GatewayStats() {
        for (int i = 0; i < disconnects.length; i++) {
            disconnects[i] = new LongAdder();
        }
    }

    // ---- counting (the core) ----

    void messageIn() {
        messagesIn.increment();
    }

    void duplicateIn() {
        duplicatesIn.increment();
    }

    void messageOut() {
        messagesOut.increment();
    }

    void retransmission() {
        retransmissions.increment();
    }

    void connected() {
        connects.increment();
    }

    void disconnected(String reason) {
        disconnects[DISCONNECT_REASONS.indexOf(disconnectReason(reason))].increment();
    }

    void refused(String reason) {
        String key = reason;
        LongAdder n = refused.get(key);
        if (n == null) {
            if (refused.size() >= MAX_REFUSAL_REASONS) {
                key = OTHER;
            }
            n = refused.computeIfAbsent(key, k -> new LongAdder());
        }
        n.increment();
        for (Observer o : observers) {
            o.refused(key);
        }
    }

    void ackRoundTrip(long nanos) {
        ackRoundTrip.record(nanos);
        for (Observer o : observers) {
            o.ackRoundTrip(nanos);
        }
    }

    void ackDelay(long nanos) {
        ackDelay.record(nanos);
        for (Observer o : observers) {
            o.ackDelay(nanos);
        }
    }

    /**
     * The kind of disconnect a close reason (as in {@link NodeView#lastDisconnectReason()}) is: one of
     * {@link #DISCONNECT_REASONS}.
     */
    public static String disconnectReason(String reason) {
        if (reason == null) {
            return OTHER;
        }
        if (reason.startsWith("timeout")) {
            return TIMEOUT;
        }
        if (reason.equals("closed by peer")) {
            return CLOSED_BY_PEER;
        }
        if (reason.startsWith("replaced")) {
            return REPLACED;
        }
        if (reason.startsWith("line too long")) {
            return LINE_TOO_LONG;
        }
        if (reason.startsWith("I/O error") || reason.startsWith("TLS error") || reason.startsWith("error")) {
            return ERROR;
        }
        if (reason.startsWith("unrecognised node")) {
            return UNRECOGNISED;
        }
        if (reason.startsWith(DISCONNECTED_BY_OPERATOR)) {
            return OPERATOR;
        }
        if (reason.startsWith("gateway stopping")) {
            return STOPPING;
        }
        return OTHER;
    }

    // ---- observers ----

    /** Tells {@code observer} of each timing and refusal from now on. */
    public synchronized void addObserver(Observer observer) {
        Observer[] now = observers;
        Observer[] next = java.util.Arrays.copyOf(now, now.length + 1);
        next[now.length] = observer;
        observers = next;
    }

    public synchronized void removeObserver(Observer observer) {
        observers = java.util.Arrays.stream(observers).filter(o -> o != observer).toArray(Observer[]::new);
    }

    // ---- reading ----

    /** New messages received from nodes (duplicates not included). */
    public long messagesIn() {
        return messagesIn.sum();
    }

    /** Duplicates received from nodes (L9-L10): resends of messages already delivered. */
    public long duplicatesIn() {
        return duplicatesIn.sum();
    }

    /** Messages written to nodes (first writes). */
    public long messagesOut() {
        return messagesOut.sum();
    }

    /** Messages written to nodes again (L20: no ACK in time, or an outage). */
    public long retransmissions() {
        return retransmissions.sum();
    }

    /** Node connections attached (ID accepted). */
    public long connects() {
        return connects.sum();
    }

    /** Attached connections that ended, in all. */
    public long disconnects() {
        long n = 0;
        for (LongAdder a : disconnects) {
            n += a.sum();
        }
        return n;
    }

    /** Attached connections that ended for {@code reason}, one of {@link #DISCONNECT_REASONS} (else 0). */
    public long disconnects(String reason) {
        int i = DISCONNECT_REASONS.indexOf(reason);
        return i < 0 ? 0 : disconnects[i].sum();
    }

    /** Outages: connections that ended because nothing came for a timeout (L13). */
    public long outages() {
        return disconnects(TIMEOUT);
    }

    /** Disconnects by reason (every one of {@link #DISCONNECT_REASONS}, zeros included), in that order. */
    public Map<String, Long> disconnectsByReason() {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < disconnects.length; i++) {
            out.put(DISCONNECT_REASONS.get(i), disconnects[i].sum());
        }
        return out;
    }

    /** Refused connections for {@code reason} (0 if none yet). */
    public long refusedCount(String reason) {
        LongAdder n = refused.get(reason);
        return n == null ? 0 : n.sum();
    }

    /** Refused connections by reason, sorted by reason. */
    public Map<String, Long> refusedByReason() {
        Map<String, Long> out = new TreeMap<>();
        refused.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Messages to nodes: first write to ACK, of those ACKed after one write (a resent one is ambiguous). */
    public Timing ackRoundTrip() {
        return ackRoundTrip;
    }

    /** Node messages under ackMode=processed: receipt of the first copy to the gateway's ACK. */
    public Timing ackDelay() {
        return ackDelay;
    }
}
